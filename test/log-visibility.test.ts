/**
 * A log's visibility as an operator meets it: create-log makes private logs unless told,
 * says so, and `log-policy --visibility` opens a private log (with a warning) but closes a
 * public one only with --force.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runProofline, tempDir } from './lib/proofline.js';

describe('log visibility (create-log, logs, log-policy)', () => {
  const dir = tempDir('log-visibility');
  const data = join(dir, 'data');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('create-log makes a private log unless --visibility public, and says so loudly', () => {
    const priv = runProofline(['create-log', '--data', data, '--log', 'secret']);
    assert.equal(priv.status, 0, priv.stderr);
    assert.match(priv.stdout, /^visibility private$/m);
    assert.match(priv.stderr, /log secret is PRIVATE/);
    const pub = runProofline([
      'create-log',
      '--data',
      data,
      '--log',
      'open',
      '--visibility',
      'public',
    ]);
    assert.equal(pub.status, 0, pub.stderr);
    assert.match(pub.stdout, /^visibility public$/m);
    assert.match(pub.stderr, /log open is PUBLIC/);
    const bad = runProofline([
      'create-log',
      '--data',
      data,
      '--log',
      'x',
      '--visibility',
      'Public',
    ]);
    assert.equal(bad.status, 2, 'a usage error');
    const logs = runProofline(['logs', '--data', data]).stdout.trim().split('\n');
    assert.deepEqual(
      logs.map((l) => [l.split('\t')[0], l.split('\t').at(-1)]),
      [
        ['open', 'public'],
        ['secret', 'private'],
      ],
    );
  });

  it('log-policy opens a private log with a warning, closes a public one only with --force', () => {
    const shown = runProofline(['log-policy', '--data', data, '--log', 'secret']);
    assert.match(shown.stdout, /^visibility private$/m);
    const refused = runProofline([
      ...['log-policy', '--data', data, '--log', 'open', '--visibility', 'private'],
    ]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /may already have been read and copied.*--force/s);
    assert.match(runProofline(['logs', '--data', data]).stdout, /^open\t.*\tpublic$/m);
    const forced = runProofline([
      ...['log-policy', '--data', data, '--log', 'open', '--visibility', 'private', '--force'],
    ]);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /^log open \(changed\)\n(.*\n)*visibility private\n$/);
    const opened = runProofline([
      ...['log-policy', '--data', data, '--log', 'secret', '--visibility', 'public'],
    ]);
    assert.equal(opened.status, 0, opened.stderr);
    assert.match(opened.stderr, /now PUBLIC/);
    const usage = runProofline(['log-policy', '--data', data, '--log', 'secret', '--force']);
    assert.equal(usage.status, 2);
    assert.deepEqual(
      runProofline(['logs', '--data', data])
        .stdout.trim()
        .split('\n')
        .map((l) => l.split('\t').at(-1)),
      ['private', 'public'],
    );
  });
});
