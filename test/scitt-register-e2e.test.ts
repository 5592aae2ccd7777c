/**
 * End to end: `proofline attest --scitt` against a real `proofline serve`. Statement keys made
 * by `proofline statement-key generate` (Ed25519 and P-256) are registered for the tenant with
 * `issuer-key add --cose-key`; attest --scitt signs a hash envelope over a file, registers it
 * and writes the transparent statement, which the independent Python verifier accepts with the
 * log key from /.well-known/scitt-keys and the issuer key, while every hostile variant and
 * swapped receipts fail. A careless operator (an unregistered key, a mistyped --out) gets a
 * failure and nothing in the log. The SDK's registerStatement reads the server's concise
 * problems into typed errors.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProoflineClient, ProoflineError } from '@proofline/client';
import {
  attachReceipts,
  decodeSign1,
  detachReceipts,
  extractReceipts,
  signStatement,
  ed25519CoseSigner,
  coseKeyThumbprint,
} from '@proofline/cose';
import {
  createApiKey,
  fetchCheckpoint,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import {
  checkPythonScittDeps,
  pythonStatementMutations,
  runPythonScittVerifierBatch,
} from './lib/python-scitt.js';

const ISS = 'https://builder.example';

describe('attest --scitt against a running server, checked by the Python verifier', () => {
  let work: string;
  let dir: string;
  let server: Server;
  let apiKey: string;
  let logKey: string;
  let keySet: string;
  const keys: Record<'EdDSA' | 'ES256', { key: string; pub: string }> = {} as never;

  const size = async () => Number((await fetchCheckpoint(server.url)).split('\n')[1]);
  /** The log's size once every write has had time to be checkpointed (interval 50 ms). */
  const settledSize = async () => {
    await new Promise((r) => setTimeout(r, 400));
    return size();
  };
  const attest = (file: string, out: string, key: string, ...extra: string[]) =>
    runProofline([
      ...['attest', '--scitt', file, '--url', server.url, '--api-key', apiKey],
      ...['--log-key', logKey, '--statement-key', key, '--iss', ISS, '--out', out, ...extra],
    ]);
  const python = (transparent: string, issuerKey: string) => [
    ...['--transparent', transparent, '--key', keySet, '--leaf-entry', 'proofline-record'],
    ...['--issuer-key', issuerKey],
  ];

  before(async () => {
    checkPythonScittDeps();
    work = tempDir('scitt-register');
    dir = join(work, 'data');
    const made = runProofline(['create-log', '--visibility', 'public', '--data', dir]);
    assert.equal(made.status, 0, made.stderr);
    apiKey = createApiKey(dir, ['records:write']);
    logKey = runProofline(['log-key', '--data', dir]).stdout.trim();
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const key = join(work, `${alg}.pem`);
      const made = runProofline(['statement-key', 'generate', '--out', key, '--alg', alg]);
      assert.equal(made.status, 0, made.stderr);
      const pub = join(work, `${alg}.pub.pem`);
      writeFileSync(pub, made.stdout);
      const added = runProofline([
        ...['issuer-key', 'add', '--data', dir, '--tenant', 'default', '--cose-key', pub],
        ...(alg === 'ES256' ? ['--iss', ISS] : []),
      ]);
      assert.equal(added.status, 0, added.stderr);
      keys[alg] = { key, pub };
    }
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    keySet = join(work, 'scitt-keys.cbor');
    const res = await fetch(`${server.url}/.well-known/scitt-keys`);
    assert.equal(res.status, 200);
    writeFileSync(keySet, Buffer.from(await res.arrayBuffer()));
  });

  after(async () => {
    await stopServer(server);
    rmSync(work, { recursive: true, force: true });
  });

  it('registers Ed25519 and ES256 statements; Python verifies them, mutants and swaps fail', async () => {
    const out: Record<string, string> = {};
    const ids: string[] = [];
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const file = join(work, `artefact-${alg}.tgz`);
      writeFileSync(file, `artefact signed with ${alg}`);
      out[alg] = join(work, `artefact-${alg}.scitt`);
      const r = attest(file, out[alg], keys[alg].key, '--content-type', 'application/gzip');
      assert.equal(r.status, 0, r.stderr);
      const id = r.stdout.trim();
      assert.match(id, /^default-\d+$/);
      ids.push(id);
      // The statement is a hash envelope over the file, about the file.
      const sign1 = decodeSign1(readFileSync(out[alg]));
      assert.equal(
        Buffer.from(sign1.payload!).toString('hex'),
        createHash('sha256').update(readFileSync(file)).digest('hex'),
      );
      assert.equal(sign1.protected.get(259), 'application/gzip');
      assert.equal(extractReceipts(readFileSync(out[alg])).length, 1);
    }
    const verdicts = await runPythonScittVerifierBatch([
      python(out.EdDSA!, keys.EdDSA.pub),
      python(out.ES256!, keys.ES256.pub),
    ]);
    for (const v of verdicts) assert.equal(v.ok, true, JSON.stringify(v));
    assert.deepEqual(
      verdicts.map((v) => `default-${v.leaf_index}`),
      ids,
    );

    // Swapped receipts: each statement with the other's receipt.
    const swapped = join(work, 'swapped.scitt');
    writeFileSync(
      swapped,
      attachReceipts(
        detachReceipts(readFileSync(out.EdDSA!)),
        extractReceipts(readFileSync(out.ES256!)),
      ),
    );
    const [swap, wrongIssuer] = await runPythonScittVerifierBatch([
      python(swapped, keys.EdDSA.pub),
      python(out.EdDSA!, keys.ES256.pub),
    ]);
    assert.equal(swap!.code, 'ENTRY_MISMATCH', swap!.error ?? '');
    assert.equal(wrongIssuer!.ok, false);

    for (const alg of ['EdDSA', 'ES256'] as const) {
      const mutations = await pythonStatementMutations(out[alg]!, join(work, `mutants-${alg}`));
      const results = await runPythonScittVerifierBatch(
        mutations.map((m) => python(m.file, keys[alg].pub)),
      );
      mutations.forEach((m, i) => {
        assert.equal(results[i]!.ok, false, `${alg} ${m.name} verified`);
        assert.ok(m.codes.includes(results[i]!.code!), `${alg} ${m.name}: ${results[i]!.code}`);
      });
    }

    // Registering the same file again (--force replaces the output) is the same entry.
    const again = attest(
      join(work, 'artefact-EdDSA.tgz'),
      out.EdDSA!,
      keys.EdDSA.key,
      '--content-type',
      'application/gzip',
    );
    assert.equal(again.status, 2, 'an existing --out is refused');
    assert.match(again.stderr, /exists: give --force/);
    const before = await settledSize();
    const forced = attest(
      join(work, 'artefact-EdDSA.tgz'),
      out.EdDSA!,
      keys.EdDSA.key,
      '--content-type',
      'application/gzip',
      '--force',
    );
    assert.equal(forced.status, 0, forced.stderr);
    // ES256 signatures are randomized, EdDSA's are not: the same statement, the same entry.
    assert.equal(forced.stdout.trim(), ids[0]);
    assert.equal(await settledSize(), before);
  });

  it('--digest registers a statement over a given SHA-256, named by --subject', async () => {
    const hash = createHash('sha256').update('an artefact held elsewhere').digest('hex');
    const out = join(work, 'remote.scitt');
    const r = runProofline([
      ...['attest', '--scitt', '--digest', `sha256:${hash}`, '--subject', 'oci://registry/app@1'],
      ...['--url', server.url, '--api-key', apiKey, '--log-key', logKey],
      ...['--statement-key', keys.ES256.key, '--iss', ISS, '--out', out],
    ]);
    assert.equal(r.status, 0, r.stderr);
    const sign1 = decodeSign1(readFileSync(out));
    assert.equal(Buffer.from(sign1.payload!).toString('hex'), hash);
    const [v] = await runPythonScittVerifierBatch([python(out, keys.ES256.pub)]);
    assert.equal(v!.ok, true, JSON.stringify(v));
  });

  it('an unregistered statement key or a mistyped --out writes nothing to the log', async () => {
    const file = join(work, 'careless.txt');
    writeFileSync(file, 'careless');
    const stranger = join(work, 'stranger.pem');
    assert.equal(runProofline(['statement-key', 'generate', '--out', stranger]).status, 0);
    await waitForSize(server.url, 1);
    const before = await settledSize();

    const out = join(work, 'careless.scitt');
    const refused = attest(file, out, stranger);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /refused/);
    assert.equal(existsSync(out), false);

    // A kid the tenant did not register, an issuer the ES256 key is not bound to.
    const wrongKid = attest(file, out, keys.EdDSA.key, '--kid', '00ff');
    assert.equal(wrongKid.status, 1, wrongKid.stderr);
    const wrongIss = runProofline([
      ...['attest', '--scitt', file, '--url', server.url, '--api-key', apiKey],
      ...['--log-key', logKey, '--statement-key', keys.ES256.key, '--iss', 'https://other.example'],
      ...['--out', out],
    ]);
    assert.equal(wrongIss.status, 1, wrongIss.stderr);
    assert.equal(existsSync(out), false);

    const missingDir = attest(file, join(work, 'no-such-dir', 'x.scitt'), keys.EdDSA.key);
    assert.equal(missingDir.status, 2, missingDir.stderr);
    assert.match(missingDir.stderr, /cannot write/);

    const notAKey = attest(file, out, keys.EdDSA.pub);
    assert.equal(notAKey.status, 2, notAKey.stderr);
    assert.equal(existsSync(out), false);

    assert.equal(await settledSize(), before, 'nothing was registered');
  });

  it('the SDK registers against the server and types its concise problems', async () => {
    const client = new ProoflineClient({ url: server.url, apiKey, trust: { logKey } });
    const signer = ed25519CoseSigner(new Uint8Array(32).fill(42));
    const statement = await signStatement({
      signer,
      kid: coseKeyThumbprint(signer.publicKey),
      issuer: ISS,
      subject: 'sdk',
      envelope: { hash: new Uint8Array(32).fill(1), hashAlg: -16 },
    });
    await assert.rejects(client.registerStatement(statement), (err: unknown) => {
      assert.ok(err instanceof ProoflineError, String(err));
      assert.equal(err.status >= 400 && err.status < 500, true, `${err.status}`);
      assert.notEqual(err.code, `http-${err.status}`, 'the concise problem was read');
      assert.equal(err.entryId, undefined);
      return true;
    });
    const readOnly = new ProoflineClient({
      url: server.url,
      apiKey: createApiKey(dir, ['records:read']),
      trust: { logKey },
    });
    const file = detachReceipts(readFileSync(join(work, 'artefact-EdDSA.scitt')));
    await assert.rejects(readOnly.registerStatement(file), { status: 403 });
    const registered = await client.registerStatement(file, { transparent: true });
    assert.equal(registered.record.type, 'scitt.signed-statement');
    assert.deepEqual(extractReceipts(registered.transparentStatement!), [registered.receipt]);
  });
});
