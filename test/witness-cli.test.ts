/**
 * The CLI side of witnessing (packages/cli/src/commands/witness.ts): `witness-key`, the
 * `witness` command's argument handling, and the `--witness*` options of `proofline serve`.
 * Until the commands are wired into `proofline`, the module runs on its own.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  SIG_TYPE_COSIGNATURE,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
} from '@proofline/note';
import { generateCosignerKey, parseCosignerKey } from '@proofline/witness';
import { REPO_ROOT, tempDir } from './lib/proofline.js';

const ENTRY = join(REPO_ROOT, 'packages/cli/dist/src/commands/witness.js');
const cli: typeof import('../packages/cli/src/commands/witness.js') = await import(
  pathToFileURL(ENTRY).href
);

function run(args: string[]) {
  return spawnSync(process.execPath, [ENTRY, ...args], { encoding: 'utf8' });
}

function witnessKey(name: string): string {
  const k = parseCosignerKey(generateCosignerKey(name));
  return formatVerifierKey(k.name, k.publicKey, SIG_TYPE_COSIGNATURE);
}

function logConfig(name: string) {
  const k = parseSignerKey(generateSignerKey(`${name}.example/log`));
  const verifierKey = formatVerifierKey(k.name, k.publicKey);
  return {
    name,
    tenant: 't',
    origin: k.name,
    verifierKey,
    createdAt: 0,
    visibility: 'public' as const,
  };
}

describe('proofline witness / witness-key', () => {
  it('witness-key creates the key (0600) from the config name and prints its vkey', () => {
    const dir = tempDir('witness-cli');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ name: 'witness.example/cli', logs: [] }));
    const data = join(dir, 'data');
    const first = run(['witness-key', '--data', data, '--config', config]);
    assert.equal(first.status, 0, first.stderr);
    const vkey = first.stdout.trim();
    assert.equal(parseVerifierKey(vkey, SIG_TYPE_COSIGNATURE).name, 'witness.example/cli');
    assert.equal(statSync(join(data, 'witness.key')).mode & 0o777, 0o600);
    const again = run(['witness-key', '--data', data]);
    assert.equal(again.stdout.trim(), vkey);
    chmodSync(join(data, 'witness.key'), 0o640);
    const refused = run(['witness-key', '--data', data]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /readable by other users/);
  });

  it('usage errors exit 2', () => {
    assert.equal(run(['witness', '--data', '/nonexistent']).status, 2);
    assert.equal(run(['witness', '--bogus']).status, 2);
    assert.equal(run(['nothing']).status, 2);
    const bad = join(tempDir('witness-cli'), 'bad.json');
    writeFileSync(bad, '{"name": "a b", "logs": []}');
    const res = run(['witness', '--data', tempDir('witness-cli'), '--config', bad, '--port', '0']);
    assert.equal(res.status, 1);
    assert.match(res.stderr, /witness config/);
  });
});

describe('proofline serve --witness options', () => {
  it('--witness URL=VKEY splits at the = before a witness key (URLs and names may hold =)', () => {
    const vkey = witnessKey('w=1.example/w');
    assert.deepEqual(cli.parseWitnessFlag(`http://127.0.0.1:1/p?a=b=${vkey}`), {
      url: 'http://127.0.0.1:1/p?a=b',
      verifierKey: vkey,
    });
    assert.throws(() => cli.parseWitnessFlag('http://127.0.0.1:1/'), /URL=VKEY/);
    const logKey = logConfig('x').verifierKey; // a 0x01 key is not a witness key
    assert.throws(() => cli.parseWitnessFlag(`http://127.0.0.1:1/=${logKey}`), /URL=VKEY/);
  });

  it('--witness (repeatable) with --witness-quorum K, default all; or --witness-policy FILE', () => {
    assert.equal(cli.witnessingFromArgs({}), undefined);
    const flags = [1, 2, 3].map((i) => `http://127.0.0.1:${i}/=${witnessKey(`w${i}.example/w`)}`);
    const all = cli.witnessingFromArgs({ witness: flags })!;
    assert.equal(all.timeoutMs, 5000);
    assert.equal(all.policy.satisfied(new Set(['w1.example/w', 'w2.example/w'])), false);
    const two = cli.witnessingFromArgs({
      witness: flags,
      'witness-quorum': '2',
      'witness-timeout': '750',
    })!;
    assert.equal(two.policy.satisfied(new Set(['w1.example/w', 'w3.example/w'])), true);
    assert.equal(two.timeoutMs, 750);
    assert.throws(() => cli.witnessingFromArgs({ witness: flags, 'witness-quorum': '4' }));
    assert.throws(() => cli.witnessingFromArgs({ 'witness-quorum': '1' }));

    const dir = tempDir('witness-cli');
    const log = logConfig('served');
    const policyFile = join(dir, 'policy');
    writeFileSync(
      policyFile,
      `log ${log.verifierKey}\nwitness A ${witnessKey('a.example/w')} http://127.0.0.1:9/\nquorum A\n`,
    );
    const fromFile = cli.witnessingFromArgs({ 'witness-policy': policyFile })!;
    assert.equal(fromFile.policy.witnesses[0]!.url, 'http://127.0.0.1:9/');
    assert.throws(() => cli.witnessingFromArgs({ 'witness-policy': policyFile, witness: flags }));

    // Publisher options: the log in the policy is witnessed, another is not.
    const options = cli.publisherWitnessOptions(fromFile, log);
    assert.ok(options.witnesses && options.onWitnessing);
    assert.deepEqual(cli.publisherWitnessOptions(fromFile, logConfig('other')), {});
    assert.deepEqual(cli.publisherWitnessOptions(undefined, log), {});
    assert.equal(cli.publisherWitnessOptions(two, log, 500).leaseTtlMs, 2500);
    assert.equal(cli.publisherWitnessOptions(fromFile, log, 100).leaseTtlMs, 10_000);
  });

  it('publishes the witness keys and the quorum verifiers can enforce', () => {
    const keys = [1, 2, 3, 4, 5].map((i) => witnessKey(`w${i}.example/w`));
    const flags = keys.slice(0, 3).map((k, i) => `http://127.0.0.1:${i + 1}/=${k}`);
    const log = logConfig('served');
    const two = cli.witnessingFromArgs({ witness: flags, 'witness-quorum': '2' })!;
    assert.deepEqual(cli.publishedWitnesses(two, log), { keys: keys.slice(0, 3), quorum: 2 });
    assert.equal(cli.publishedWitnesses(undefined, log), undefined);

    const dir = tempDir('witness-cli');
    const policy = (text: string) => {
      const file = join(dir, 'policy');
      writeFileSync(
        file,
        `log ${log.verifierKey}
${text}`,
      );
      return cli.witnessingFromArgs({ 'witness-policy': file })!;
    };
    const witnesses = keys
      .map(
        (k, i) => `witness W${i + 1} ${k}
`,
      )
      .join('');
    // Only the witnesses the quorum rule names; a flat group is its threshold.
    assert.deepEqual(
      cli.publishedWitnesses(
        policy(`${witnesses}group G 2 W1 W2 W3
quorum G
`),
        log,
      ),
      { keys: keys.slice(0, 3), quorum: 2 },
    );
    assert.deepEqual(
      cli.publishedWitnesses(
        policy(`${witnesses}quorum W4
`),
        log,
      ),
      {
        keys: [keys[3]],
        quorum: 1,
      },
    );
    // Nested groups: the least number of distinct witnesses that satisfies them.
    const nested = `${witnesses}group A all W1 W2
group B any W3 W4 W5
group Q 2 A B
quorum Q
`;
    assert.deepEqual(cli.publishedWitnesses(policy(nested), log), { keys, quorum: 3 });
    // A witness in two groups: one cosignature might satisfy both.
    const shared = `${witnesses}group A any W1 W2
group B any W1 W3
group Q all A B
quorum Q
`;
    assert.deepEqual(cli.publishedWitnesses(policy(shared), log), {
      keys: [keys[0], keys[1], keys[2]],
      quorum: 1,
    });
    assert.equal(
      cli.publishedWitnesses(
        policy(`${witnesses}quorum none
`),
        log,
      ),
      undefined,
    );
    assert.equal(
      cli.publishedWitnesses(
        policy(`${witnesses}quorum W1
`),
        logConfig('other'),
      ),
      undefined,
    );
  });
});
