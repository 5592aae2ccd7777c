import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SIG_TYPE_COSIGNATURE, parseVerifierKey } from '@proofline/note';
import {
  WitnessError,
  loadOrCreateWitnessKey,
  parseCosignerKey,
  parseWitnessConfig,
  runWitness,
  witnessKeyPath,
  witnessVerifierKey,
} from '../src/index.js';
import { TestLog, requestBody, tempDir } from './helpers.js';

const invalid = (e: WitnessError) => e instanceof WitnessError && e.code === 'INVALID_CONFIG';

describe('witness configuration and key', () => {
  test('parses logs by key (origin = key name) or by origin with several keys', () => {
    const a = new TestLog('log.test/a', 1);
    const b = new TestLog('log.test/b', 2);
    const b2 = new TestLog('log.test/b', 3);
    const config = parseWitnessConfig(
      JSON.stringify({
        name: 'witness.test/w',
        logs: [
          { key: a.verifierKey },
          { origin: 'log.test/b', keys: [b.verifierKey, b2.verifierKey] },
        ],
      }),
    );
    assert.equal(config.name, 'witness.test/w');
    assert.deepEqual(
      config.logs.map((l) => [l.origin, l.verifiers.length]),
      [
        ['log.test/a', 1],
        ['log.test/b', 2],
      ],
    );
  });

  test('refuses invalid configurations', () => {
    const a = new TestLog('log.test/a', 1);
    const cases = [
      'not json',
      '[]',
      JSON.stringify({ name: 'has space', logs: [] }),
      JSON.stringify({ name: 'w+x', logs: [] }),
      JSON.stringify({ name: 'w', logs: {} }),
      JSON.stringify({ name: 'w', logs: [], extra: 1 }),
      JSON.stringify({ name: 'w', logs: [{}] }),
      JSON.stringify({ name: 'w', logs: [{ key: a.verifierKey, keys: [a.verifierKey] }] }),
      JSON.stringify({ name: 'w', logs: [{ key: 'nonsense' }] }),
      JSON.stringify({ name: 'w', logs: [{ key: a.verifierKey, origin: 'x\ny' }] }),
      JSON.stringify({ name: 'w', logs: [{ key: a.verifierKey }, { key: a.verifierKey }] }),
      JSON.stringify({ name: 'w', logs: [{ keys: [] }] }),
    ];
    for (const text of cases) assert.throws(() => parseWitnessConfig(text), invalid, text);
  });

  test('the key is created 0600 on first use, reused after, and refused when readable', (t) => {
    const dir = tempDir(t);
    const key = loadOrCreateWitnessKey(dir, 'witness.test/w');
    const path = witnessKeyPath(dir);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^PRIVATE\+KEY\+witness\.test\/w\+[0-9a-f]{8}\+\S+\n$/);
    assert.deepEqual(parseCosignerKey(text.trim()), key);
    assert.deepEqual(loadOrCreateWitnessKey(dir, 'witness.test/w'), key);
    assert.deepEqual(loadOrCreateWitnessKey(dir), key);
    const vkey = witnessVerifierKey(key);
    assert.equal(parseVerifierKey(vkey, SIG_TYPE_COSIGNATURE).keyId, key.keyId);
    assert.throws(
      () => loadOrCreateWitnessKey(dir, 'witness.test/other'),
      /not witness\.test\/other/,
    );
    chmodSync(path, 0o644);
    assert.throws(() => loadOrCreateWitnessKey(dir), /readable by other users/);
    assert.throws(() => loadOrCreateWitnessKey(tempDir(t)), /no witness key/);
  });

  test('runWitness serves the configured logs over HTTP and keeps state across restarts', async (t) => {
    const dir = tempDir(t);
    const log = new TestLog();
    const config = parseWitnessConfig(
      JSON.stringify({ name: 'witness.test/run', logs: [{ key: log.verifierKey }] }),
    );
    let running = await runWitness({ dataDir: dir, config, port: 0 });
    let res = await fetch(`${running.address}/add-checkpoint`, {
      method: 'POST',
      body: requestBody(0, [], await log.checkpoint(12)),
    });
    assert.equal(res.status, 200);
    await running.close();
    running = await runWitness({ dataDir: dir, config, port: 0 });
    t.after(() => running.close());
    res = await fetch(`${running.address}/add-checkpoint`, {
      method: 'POST',
      body: requestBody(0, [], await log.checkpoint(13)),
    });
    assert.equal(res.status, 409);
    assert.equal(await res.text(), '12\n');
  });
});
