/** `--log-signer` and PROOFLINE_LOG_SIGNER_<NAME>: which log gets which token key. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../src/cli/command.js';
import { parseCommand } from '../src/cli/parse.js';
import { targetOf } from '../src/cli/target.js';
import { parseExecCommand, parseLogSigners, signersFromEnvironment } from '../src/log-signers.js';
import { COMMANDS } from '../src/table/index.js';

const URI = 'pkcs11:token=t;object=k?module-path=/lib/p11.so';

describe('parseLogSigners', () => {
  it('maps LOG=URI to LOG, LOG.next=URI to the successor, and a bare URI to the command log', () => {
    assert.deepEqual(
      [...parseLogSigners([`audit=${URI}`, `audit.next=${URI}x`, URI], 'hsm')],
      [
        ['audit', URI],
        ['audit.next', `${URI}x`],
        ['hsm', URI],
      ],
    );
  });

  it('refuses a log given twice, another backend, a malformed URI, a PIN in the URI', () => {
    assert.throws(() => parseLogSigners([URI, `default=${URI}`], 'default'), /given twice/);
    assert.throws(() => parseLogSigners(['file:/etc/k'], 'default'), /expected \[LOG=\]pkcs11:URI/);
    assert.throws(() => parseLogSigners(['Audit=pkcs11:x'], 'default'), /expected/);
    assert.throws(() => parseLogSigners(['pkcs11:token=t'], 'default'), /object is required/);
    assert.throws(
      () => parseLogSigners([`${URI}&pin-value=31337`], 'default'),
      (err: Error) => /pin-value is refused/.test(err.message) && !err.message.includes('31337'),
    );
  });

  it('takes exec:PROGRAM [ARG…] with an absolute program, split at single spaces', () => {
    const exec = 'exec:/opt/kms/sign --key-id k1';
    assert.deepEqual([...parseLogSigners([`audit=${exec}`], 'default')], [['audit', exec]]);
    assert.deepEqual(parseExecCommand(exec), ['/opt/kms/sign', '--key-id', 'k1']);
    for (const bad of [
      'exec:',
      'exec:sign',
      'exec:./sign',
      'exec:/opt/sign  x',
      'exec:/opt/sign ',
    ]) {
      assert.throws(() => parseLogSigners([bad], 'default'), /expected exec:\/ABSOLUTE\/PROGRAM/);
    }
  });

  it('takes exec:["PROGRAM","ARG",…] for a program or argument that holds a space', () => {
    const exec = 'exec:["/opt/kms signer/sign","--key-file","/keys/a b.key"]';
    assert.deepEqual([...parseLogSigners([`audit=${exec}`], 'default')], [['audit', exec]]);
    assert.deepEqual(parseExecCommand(exec), [
      '/opt/kms signer/sign',
      '--key-file',
      '/keys/a b.key',
    ]);
    assert.deepEqual(parseExecCommand('exec:[ "/opt/sign" ]'), ['/opt/sign']);
    // The space-split form still splits: a quote is no quoting there.
    assert.deepEqual(parseExecCommand('exec:/opt/sign "a b"'), ['/opt/sign', '"a', 'b"']);
  });

  it('refuses a malformed JSON form, naming why, before anything starts', () => {
    for (const [bad, why] of [
      ['exec:[', /not a JSON array/],
      ['exec:["/opt/sign"] --x', /not a JSON array/],
      ['exec:["/opt/sign",]', /not a JSON array/],
      ['exec:[]', /absolute path/],
      ['exec:["sign"]', /absolute path/],
      ['exec:["/opt/sign",7]', /array of strings/],
      ['exec:["/opt/sign",null]', /array of strings/],
      ['exec:[["/opt/sign"]]', /array of strings/],
      ['exec:["/opt/sign",""]', /an empty word or a NUL/],
      ['exec:["/opt/sign","a\\u0000b"]', /an empty word or a NUL/],
      [`exec:["/opt/sign"${',"x"'.repeat(64)}]`, /more than 64 words/],
      [`exec:["/opt/${'s'.repeat(5000)}"]`, /longer than 4096 characters/],
    ] as const) {
      assert.throws(
        () => parseLogSigners([`audit=${bad}`], 'default'),
        (err: Error) =>
          err instanceof TypeError &&
          why.test(err.message) &&
          err.message.includes('or exec:["/ABSOLUTE/PROGRAM","ARG",…]'),
        bad,
      );
    }
  });

  it('reads PROOFLINE_LOG_SIGNER_<NAME> back to the log name', () => {
    assert.deepEqual(
      [...signersFromEnvironment({ PROOFLINE_LOG_SIGNER_AUDIT_2026: ` ${URI}\n`, OTHER: 'x' })],
      [['audit-2026', URI]],
    );
  });
});

describe('--log-signer on the commands', () => {
  const command = (name: string) => COMMANDS.find((c) => c.name === name)!;
  const argsOf = (name: string, argv: string[]) => {
    const parsed = parseCommand(command(name), name, argv, {});
    assert.ok(!parsed.help);
    return parsed.args;
  };

  it("applies a bare URI to the command's --log, and is a usage error when malformed", () => {
    const args = argsOf('append', ['--data', '/d', '--log', 'hsm', '--log-signer', URI]);
    assert.deepEqual(targetOf(args).signers, new Map([['hsm', URI]]));
    const bad = argsOf('serve', ['--data', '/d', '--log-signer', 'x']);
    assert.throws(() => targetOf(bad), UsageError);
  });

  it('without the flag, the target names no signer (key files)', () => {
    assert.equal(targetOf(argsOf('serve', ['--data', '/d'])).signers, undefined);
  });
});
