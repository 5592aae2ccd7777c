/**
 * statements/ members (statements.ts): read strictly (a forger controls the bytes), checked
 * against the listing and the log key with @proofline/verify, the issuer only with the
 * auditor's keys; manifest.statements parsed strictly. The tree here is two leaves: a record
 * and a signed statement's registration, with receipts assembled as the server does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  CborMap,
  assembleReceipt,
  attachReceipts,
  coseKeyThumbprint,
  ed25519CoseSigner,
  ed25519Kid,
  signRootSignature,
  signSign1,
} from '@proofline/cose';
import {
  ed25519Signer,
  formatCheckpoint,
  formatVerifierKey,
  generateSignerKey,
  parseSignerKey,
  signNote,
} from '@proofline/note';
import { buildRecord, scittRecordStatement } from '@proofline/records';
import { leafHash, nodeHash, type Hash } from '@proofline/tlog';
import { parseManifest } from '../src/package.js';
import {
  checkStatement,
  memberRecordId,
  readTransparentStatement,
  StatementListing,
  StatementProblem,
  type StatementContext,
} from '../src/statements.js';

const ORIGIN = 'example.test/logs/acme';

function logKey() {
  const k = parseSignerKey(generateSignerKey(ORIGIN));
  return { vkey: formatVerifierKey(ORIGIN, k.publicKey), seed: k.seed, publicKey: k.publicKey };
}

const issuer = ed25519CoseSigner(new Uint8Array(randomBytes(32)));
const kid = coseKeyThumbprint(issuer.publicKey);

function statement(subject: string): Promise<Uint8Array> {
  return signSign1(
    {
      protected: [
        [4, kid],
        [
          15,
          new CborMap([
            [1, 'https://issuer.example'],
            [2, subject],
          ]),
        ],
      ],
      payload: new Uint8Array(32).fill(7),
    },
    issuer,
  );
}

/** A two-leaf log (a record, then `registered`'s registration) and the receipt of leaf 1. */
async function twoLeafLog(key: ReturnType<typeof logKey>, registered: Uint8Array) {
  const first = buildRecord({ digest: `sha256:${'ab'.repeat(32)}`, type: 't' }, 'acme', 1000);
  const second = buildRecord(scittRecordStatement(registered).statement, 'acme', 2000);
  const leaves: Hash[] = [leafHash(first.bytes), leafHash(second.bytes)];
  const root = nodeHash(leaves[0]!, leaves[1]!);
  const rootSignature = await signRootSignature({
    signer: ed25519CoseSigner(key.seed),
    kid: ed25519Kid(key.publicKey),
    issuer: ORIGIN,
    root,
  });
  const receipt = assembleReceipt(
    rootSignature,
    { treeSize: 2, leafIndex: 1, path: [leaves[0]!] },
    second.bytes,
  );
  const note = await signNote(
    formatCheckpoint({ origin: ORIGIN, size: 2, rootHash: root, extensions: [] }),
    [ed25519Signer(ORIGIN, key.seed)],
  );
  return { entries: [first.bytes, second.bytes], leaves, receipt, note };
}

function context(
  key: ReturnType<typeof logKey>,
  log: Awaited<ReturnType<typeof twoLeafLog>>,
  held: ReturnType<typeof readTransparentStatement>,
  extra: Partial<StatementContext> = {},
): StatementContext {
  const listing = new StatementListing([held]);
  log.entries.forEach((e, i) => listing.onListed(i, e, log.leaves[i]!));
  return {
    log: 'acme',
    logKeys: [key.vkey],
    listed: listing.listed,
    checkpoints: [{ name: 'end', note: log.note, size: 2 }],
    ...extra,
  };
}

describe('transparent statements in a package', () => {
  it('reads only transparent statements of a Proofline log', async () => {
    const plain = await statement('s');
    const malformed = (bytes: Uint8Array, why: RegExp) =>
      assert.throws(
        () => readTransparentStatement(bytes),
        (e: unknown) =>
          e instanceof StatementProblem && e.code === 'STATEMENT_MALFORMED' && why.test(e.message),
      );
    malformed(plain, /carries no receipt/);
    malformed(new Uint8Array([0xd2, 0x84, 0x40]), /not a transparent statement/);
    const foreign = await signSign1({ protected: [[395, 1]], payload: new Uint8Array(32) }, issuer);
    malformed(attachReceipts(plain, [foreign]), /none of its 1 receipts carries a Proofline/);
  });

  it('a registered statement holds; the issuer is checked with the keys given only', async () => {
    const key = logKey();
    const signed = await statement('release-1');
    const log = await twoLeafLog(key, signed);
    const held = readTransparentStatement(attachReceipts(signed, [log.receipt]));
    const c = await checkStatement(held, context(key, log, held));
    assert.equal(c.problem, undefined);
    assert.equal(c.id, 'acme-1');
    assert.match(c.proven!, /its root is the end checkpoint's \(size 2, index confirmed\)/);
    assert.equal(c.issuerSignature, 'not-checked');
    const ok = await checkStatement(
      held,
      context(key, log, held, { issuerKeys: [issuer.publicKey] }),
    );
    assert.equal(ok.issuerSignature, 'verified');
    const other = ed25519CoseSigner(new Uint8Array(randomBytes(32))).publicKey;
    const bad = await checkStatement(held, context(key, log, held, { issuerKeys: [other] }));
    assert.ok(bad.issuerSignature instanceof StatementProblem);
    assert.equal(bad.issuerSignature.code, 'INVALID_ISSUER_SIGNATURE');
  });

  it('fails a receipt of another statement, another log key, an unlisted entry, a forked root', async () => {
    const key = logKey();
    const signed = await statement('release-1');
    const log = await twoLeafLog(key, signed);
    const code = async (
      bytes: Uint8Array,
      ctx: (h: ReturnType<typeof readTransparentStatement>) => StatementContext,
    ) => {
      const held = readTransparentStatement(bytes);
      return (await checkStatement(held, ctx(held))).problem?.code;
    };
    const other = await statement('release-2');
    assert.equal(
      await code(attachReceipts(other, [log.receipt]), (h) => context(key, log, h)),
      'STATEMENT_MISMATCH',
    );
    const transparent = attachReceipts(signed, [log.receipt]);
    assert.equal(
      await code(transparent, (h) => context(key, log, h, { logKeys: [logKey().vkey] })),
      'INVALID_STATEMENT_RECEIPT',
    );
    assert.equal(
      await code(transparent, (h) => context(key, log, h, { listed: () => undefined })),
      'STATEMENT_NOT_IN_LISTING',
    );
    assert.equal(
      await code(transparent, (h) =>
        context(key, log, h, { listed: () => ({ index: 0, entry: log.entries[1]! }) }),
      ),
      'STATEMENT_NOT_IN_LISTING',
    );
    // The log key signed another tree of the same size: the package's checkpoint disagrees.
    const fork = await twoLeafLog(key, other);
    assert.equal(
      await code(transparent, (h) =>
        context(key, log, h, { checkpoints: [{ name: 'latest', note: fork.note, size: 2 }] }),
      ),
      'INVALID_STATEMENT_RECEIPT',
    );
    // A checkpoint of another size is not compared.
    const held = readTransparentStatement(transparent);
    const c = await checkStatement(
      held,
      context(key, log, held, { checkpoints: [{ name: 'end', note: fork.note, size: 3 }] }),
    );
    assert.equal(c.problem, undefined);
    assert.match(c.proven!, /of none of the package's checkpoints' sizes: not compared/);
  });

  it('names members by record id and parses manifest.statements strictly', () => {
    assert.equal(memberRecordId('statements/acme-12.cose'), 'acme-12');
    for (const bad of [
      'statements/acme-012.cose',
      'statements/Acme-1.cose',
      'statements/../acme-1.cose',
      'statements/acme-1.cose.bak',
      'statements/x/acme-1.cose',
      'statements/acme.cose',
    ]) {
      assert.equal(memberRecordId(bad), undefined, bad);
    }
    const manifest = (statements: unknown) => ({
      mediaType: 'application/vnd.proofline.evidence.v1+json',
      createdAt: '2026-01-01T00:00:00Z',
      generator: 'g',
      report: { format: 'f', pdfkit: 'p' },
      source: 's',
      log: 'acme',
      origin: ORIGIN,
      logKey: 'k',
      period: { from: 'a', to: 'b' },
      filter: {},
      range: { start: 0, end: 1 },
      counts: { segment: 1, population: 1, sample: 0 },
      sample: { mode: 'all', algorithm: 'a', seed: '00', seedSource: 'given', size: 0 },
      warnings: [],
      statements,
    });
    assert.deepEqual(parseManifest(manifest(['acme-1', 'acme-2'])).statements, [
      'acme-1',
      'acme-2',
    ]);
    for (const bad of [[], ['acme-1', 'acme-1'], ['../x'], [1], 'acme-1', ['acme-01']]) {
      assert.throws(
        () => parseManifest(manifest(bad)),
        /manifest\/statements/,
        JSON.stringify(bad),
      );
    }
  });
});
