import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CborMap,
  HEADER_VDP,
  HEADER_VDS,
  HEADER_KID,
  HEADER_LOG_ENTRY,
  VDP_INCLUSION,
  attachReceipts,
  decodeSign1,
  detachReceipts,
  ed25519CoseKey,
  ed25519Kid,
  encodeSign1,
  signSign1,
  ed25519CoseSigner,
} from '@proofline/cose';
import { buildRecord } from '@proofline/records';
import {
  VerificationError,
  verifyCoseReceipt,
  verifyScitt,
  verifyTransparentStatement,
  type ScittTrust,
  type ScittVerification,
} from '../src/index.js';
import { LOG_KEY, T0, testKey } from './helpers.js';
import {
  ScittLog,
  ed25519Issuer,
  es256Issuer,
  signedStatement,
  transparent,
} from './scitt-helpers.js';

const issuer = ed25519Issuer(41);
const p256 = es256Issuer(42);
const stranger = ed25519Issuer(43);
const OTHER_LOG = testKey('proofline.example/other', 22);

/** The status of each check, and the first failure's code. */
function summary(v: ScittVerification): { statuses: Record<string, string>; code?: string } {
  const statuses = Object.fromEntries(v.checks.map((c) => [c.name, c.status]));
  const code = v.checks.find((c) => c.status === 'failed')?.error?.code;
  return code === undefined ? { statuses } : { statuses, code };
}

function failsWith(v: ScittVerification, code: string, step?: string): void {
  const failed = v.checks.find((c) => c.status === 'failed');
  assert.equal(v.ok, false, 'must not verify');
  assert.equal(failed?.error?.code, code, JSON.stringify(summary(v)));
  if (step !== undefined) assert.equal(failed?.name, step);
  assert.ok(failed.error instanceof VerificationError);
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at]! ^= 1;
  return out;
}

/** A COSE_Sign1 with its unprotected header replaced (protected header and signature kept). */
function withUnprotected(receipt: Uint8Array, entries: [number, unknown][]): Uint8Array {
  const sign1 = decodeSign1(receipt);
  return encodeSign1({ ...sign1, unprotected: new CborMap(entries as never) });
}

const trust: ScittTrust = { serviceKeys: [LOG_KEY.vkey], issuerKeys: [issuer.signer.publicKey] };

describe('verifyCoseReceipt: a Proofline receipt of a record', async () => {
  const statement = await signedStatement(issuer, 'alpha');
  const log = await ScittLog.create([statement]);
  const index = 3;
  const receipt = await log.receipt(index);

  it('verifies with the log verifier key; size and index reported as unconfirmed', async () => {
    const v = await verifyCoseReceipt(receipt, trust);
    assert.equal(v.ok, true, JSON.stringify(summary(v)));
    assert.deepEqual(summary(v).statuses, {
      cose: 'passed',
      record: 'passed',
      service: 'passed',
      checkpoint: 'not-applicable',
    });
    const [r] = v.receipts;
    assert.equal(r!.status, 'verified');
    assert.equal(r!.confirmed, false);
    assert.equal(r!.leafIndex, index);
    assert.equal(r!.treeSize, log.size);
    assert.equal(r!.origin, 'proofline.example/acme-prod');
    assert.equal(r!.record?.time, new Date(T0 + index).toISOString());
    assert.equal(r!.record?.type, 'scitt.signed-statement');
    assert.equal(r!.serviceKid, Buffer.from(ed25519Kid(LOG_KEY.publicKey)).toString('hex'));
    assert.match(v.checks[3]!.summary, /unsigned and not confirmed/);
  });

  it('with the signed checkpoint of its size: confirmed; another checkpoint fails', async () => {
    const checkpoint = await log.checkpoint();
    const v = await verifyCoseReceipt(receipt, { ...trust, checkpoint });
    assert.equal(v.ok, true, JSON.stringify(summary(v)));
    assert.equal(v.receipts[0]!.confirmed, true);
    assert.match(v.checks[3]!.summary, /confirmed/);
    // Another log's tree of the same size, signed with the same key: another root.
    const fork = await ScittLog.create([statement], 4);
    const forked = await fork.checkpoint(log.size);
    failsWith(
      await verifyCoseReceipt(receipt, { ...trust, checkpoint: forked }),
      'RECEIPT_ROOT_MISMATCH',
      'checkpoint',
    );
    const smaller = await log.checkpoint(log.size - 1);
    failsWith(
      await verifyCoseReceipt(receipt, { ...trust, checkpoint: smaller }),
      'CHECKPOINT_SIZE_MISMATCH',
    );
    // Signed by another key, or not a checkpoint at all.
    const other = await ScittLog.create([statement], 3, OTHER_LOG);
    const foreign = await other.checkpoint();
    failsWith(
      await verifyCoseReceipt(receipt, { ...trust, checkpoint: foreign }),
      'CHECKPOINT_UNVERIFIED',
    );
    failsWith(
      await verifyCoseReceipt(receipt, { ...trust, checkpoint: 'garbage' }),
      'CHECKPOINT_MALFORMED',
    );
  });

  it('verifies with a COSE key (key set form); a checkpoint then needs the verifier key', async () => {
    const cose = { ...ed25519CoseKey(LOG_KEY.publicKey), kid: ed25519Kid(LOG_KEY.publicKey) };
    assert.equal((await verifyCoseReceipt(receipt, { serviceKeys: [cose] })).ok, true);
    const noKid = ed25519CoseKey(LOG_KEY.publicKey); // matched by its thumbprint
    assert.equal((await verifyCoseReceipt(receipt, { serviceKeys: [noKid] })).ok, true);
    const checkpoint = await log.checkpoint();
    failsWith(
      await verifyCoseReceipt(receipt, { serviceKeys: [cose], checkpoint }),
      'CHECKPOINT_UNVERIFIED',
    );
  });

  it('an unpinned service key, or a pinned kid with another key, is refused', async () => {
    failsWith(
      await verifyCoseReceipt(receipt, { serviceKeys: [OTHER_LOG.vkey] }),
      'SERVICE_KEY_UNTRUSTED',
      'service',
    );
    const impostor = { ...ed25519CoseKey(OTHER_LOG.publicKey), kid: ed25519Kid(LOG_KEY.publicKey) };
    failsWith(
      await verifyCoseReceipt(receipt, { serviceKeys: [impostor] }),
      'RECEIPT_UNVERIFIED',
      'service',
    );
  });

  it('an edited embedded entry, a flipped signature or path byte fails the service check', async () => {
    const other = buildRecord(
      { digest: `sha256:${'cd'.repeat(32)}`, type: 'test.event' },
      'acme',
      T0,
    ).bytes;
    failsWith(
      await verifyCoseReceipt(await log.receipt(index, log.size, other), trust),
      'RECEIPT_UNVERIFIED',
    );
    // The entry of another record of the same log, with this record's path.
    failsWith(
      await verifyCoseReceipt(await log.receipt(index, log.size, log.entries[0]), trust),
      'RECEIPT_UNVERIFIED',
    );
    failsWith(
      await verifyCoseReceipt(flip(receipt, receipt.length - 1), trust),
      'RECEIPT_UNVERIFIED',
    );
    // An entry that is no record.
    failsWith(
      await verifyCoseReceipt(await log.receipt(index, log.size, Uint8Array.of(1, 2)), trust),
      'MALFORMED_RECORD',
      'record',
    );
    // The unsigned tree size and index changed: the path no longer reconstructs the root.
    const sign1 = decodeSign1(receipt);
    const vdp = sign1.unprotected.get(HEADER_VDP) as CborMap;
    const proof = (vdp.get(VDP_INCLUSION) as Uint8Array[])[0]!;
    const moved = withUnprotected(receipt, [
      [HEADER_VDP, new CborMap([[VDP_INCLUSION, [flip(proof, 2)]]])],
      [HEADER_LOG_ENTRY, log.entries[index]!],
    ]);
    assert.equal((await verifyCoseReceipt(moved, trust)).ok, false);
  });

  it('a receipt without an entry is not a Proofline receipt', async () => {
    const bare = withUnprotected(receipt, [
      [HEADER_VDP, decodeSign1(receipt).unprotected.get(HEADER_VDP)],
    ]);
    failsWith(await verifyCoseReceipt(bare, trust), 'RECEIPT_ENTRY_MISSING', 'cose');
  });

  it('garbage, truncated and huge CBOR, wrong tags and unknown crit are refused, never thrown', async () => {
    for (const bytes of [
      new Uint8Array(0),
      Uint8Array.of(0xff),
      receipt.subarray(0, receipt.length - 5),
      Uint8Array.of(0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // bstr of 2^64-1
      new Uint8Array(2 * 1024 * 1024).fill(0x81), // nested arrays beyond every limit
      Uint8Array.of(0xd1, ...receipt.subarray(1)), // tag 17 instead of 18
    ]) {
      const v = await verifyScitt(bytes, trust);
      failsWith(v, 'COSE_MALFORMED', 'cose');
    }
    const signer = ed25519CoseSigner(LOG_KEY.seed);
    const crit = await signSign1(
      {
        protected: [
          [2, [-70000]],
          [-70000, 1],
          [HEADER_VDS, 1],
          [HEADER_KID, ed25519Kid(LOG_KEY.publicKey)],
        ],
        unprotected: [
          ...decodeSign1(receipt).unprotected.entries.map(([l, v]) => [l, v] as [number, never]),
        ],
        payload: await log.root(),
        detached: true,
      },
      signer,
    );
    failsWith(await verifyCoseReceipt(crit, trust), 'UNKNOWN_CRITICAL_HEADER', 'service');
  });

  it('bad trust anchors are thrown, as programmer errors', async () => {
    await assert.rejects(verifyCoseReceipt(receipt, { serviceKeys: [] }), {
      code: 'INVALID_ARGUMENT',
    });
    await assert.rejects(verifyCoseReceipt(receipt, { serviceKeys: ['nope'] }), {
      code: 'INVALID_KEY',
    });
    await assert.rejects(verifyCoseReceipt('x' as never, trust), { code: 'INVALID_ARGUMENT' });
    const bad = { kty: 'OKP', crv: 'Ed25519', x: new Uint8Array(31) } as const;
    await assert.rejects(verifyCoseReceipt(receipt, { serviceKeys: [bad] }), {
      code: 'INVALID_KEY',
    });
  });
});

describe('verifyTransparentStatement', async () => {
  const alpha = await signedStatement(issuer, 'alpha');
  const beta = await signedStatement(issuer, 'beta');
  const es = await signedStatement(p256, 'gamma');
  const log = await ScittLog.create([alpha, beta, es]);
  const [A, B, G] = [3, 4, 5];

  it('an Ed25519 and an ES256 statement with their receipts verify', async () => {
    for (const [statement, index, key] of [
      [alpha, A, issuer],
      [es, G, p256],
    ] as const) {
      const ts = await transparent(statement, log, [index]);
      const v = await verifyTransparentStatement(ts, {
        serviceKeys: [LOG_KEY.vkey],
        issuerKeys: [key.signer.publicKey],
      });
      assert.equal(v.ok, true, JSON.stringify(summary(v)));
      assert.equal(v.kind, 'transparent-statement');
      assert.deepEqual(summary(v).statuses, { statement: 'passed', receipts: 'passed' });
      assert.equal(v.statement?.subject, `urn:subject:${index === A ? 'alpha' : 'gamma'}`);
      assert.equal(v.statement?.issuerKey, Buffer.from(key.kid).toString('hex'));
      assert.deepEqual(
        v.receipts[0]!.checks.map((c) => [c.name, c.status]),
        [
          ['cose', 'passed'],
          ['record', 'passed'],
          ['service', 'passed'],
          ['registration', 'passed'],
          ['checkpoint', 'not-applicable'],
        ],
      );
      // verifyScitt tells it from a receipt.
      assert.equal(
        (await verifyScitt(ts, { serviceKeys: [LOG_KEY.vkey], issuerKeys: [key.signer.publicKey] }))
          .kind,
        'transparent-statement',
      );
    }
  });

  it('with the checkpoint, every receipt is confirmed', async () => {
    const ts = await transparent(alpha, log, [A]);
    const v = await verifyTransparentStatement(ts, {
      ...trust,
      checkpoint: await log.checkpoint(),
    });
    assert.equal(v.ok, true);
    assert.equal(v.receipts[0]!.confirmed, true);
  });

  it('the issuer: unpinned kid, another key with the kid, a flipped signature, no keys', async () => {
    const ts = await transparent(alpha, log, [A]);
    failsWith(
      await verifyTransparentStatement(ts, { ...trust, issuerKeys: [stranger.signer.publicKey] }),
      'ISSUER_UNTRUSTED',
      'statement',
    );
    const impostor = { ...stranger.signer.publicKey, kid: issuer.kid };
    failsWith(
      await verifyTransparentStatement(ts, { ...trust, issuerKeys: [impostor] }),
      'ISSUER_SIGNATURE_INVALID',
      'statement',
    );
    failsWith(
      await verifyTransparentStatement(ts, { serviceKeys: [LOG_KEY.vkey] }),
      'ISSUER_UNTRUSTED',
      'statement',
    );
    const sign1 = decodeSign1(ts);
    const flipped = encodeSign1({ ...sign1, signature: flip(sign1.signature, 0) });
    const v = await verifyTransparentStatement(flipped, trust);
    failsWith(v, 'ISSUER_SIGNATURE_INVALID', 'statement');
    // Its record is no longer the registration of the (changed) statement either.
    assert.equal(v.receipts[0]!.status, 'failed');
    assert.equal(
      v.receipts[0]!.checks.find((c) => c.status === 'failed')?.error?.code,
      'REGISTRATION_MISMATCH',
    );
  });

  it('an unsupported alg and an unknown critical header are refused', async () => {
    const es384 = { alg: -35, sign: () => new Uint8Array(64) };
    const weird = await signSign1(
      { protected: [[HEADER_KID, issuer.kid]], payload: Uint8Array.of(1) },
      es384 as never,
    );
    failsWith(
      await verifyTransparentStatement(await transparent(weird, log, [A]), trust),
      'UNSUPPORTED_ALGORITHM',
      'statement',
    );
    const crit = await signedStatement(issuer, 'alpha', {
      extra: [
        [2, [-70000]],
        [-70000, 1],
      ],
    });
    failsWith(
      await verifyTransparentStatement(await transparent(crit, log, [A]), trust),
      'UNKNOWN_CRITICAL_HEADER',
      'statement',
    );
  });

  it('a receipt of another statement moved onto this one fails registration', async () => {
    const moved = attachReceipts(beta, [await log.receipt(A)]);
    const v = await verifyTransparentStatement(moved, trust);
    failsWith(v, 'REGISTRATION_MISMATCH', 'receipts');
    assert.equal(summary(v).statuses.statement, 'passed');
    // Even beside its own, valid receipt: no Proofline receipt may fail.
    failsWith(
      await verifyTransparentStatement(
        attachReceipts(beta, [await log.receipt(B), await log.receipt(A)]),
        trust,
      ),
      'REGISTRATION_MISMATCH',
    );
    // The receipt of an ordinary record, too.
    failsWith(
      await verifyTransparentStatement(attachReceipts(beta, [await log.receipt(0)]), trust),
      'REGISTRATION_MISMATCH',
    );
  });

  it('an edited receipt fails; no receipts is RECEIPTS_MISSING', async () => {
    const receipt = await log.receipt(A);
    const edited = attachReceipts(alpha, [flip(receipt, receipt.length - 1)]);
    failsWith(await verifyTransparentStatement(edited, trust), 'RECEIPT_UNVERIFIED', 'receipts');
    failsWith(await verifyTransparentStatement(alpha, trust), 'RECEIPTS_MISSING', 'receipts');
    failsWith(
      await verifyTransparentStatement(detachReceipts(await transparent(alpha, log, [A])), trust),
      'RECEIPTS_MISSING',
    );
    failsWith(
      await verifyTransparentStatement(alpha.subarray(0, 10), trust),
      'COSE_MALFORMED',
      'statement',
    );
    // Bytes in 394 that are no COSE_Sign1 fail (nothing says whose they are).
    const garbage = withUnprotected(alpha, [[394, [Uint8Array.of(0x80)]]]);
    failsWith(await verifyTransparentStatement(garbage, trust), 'COSE_MALFORMED', 'receipts');
  });

  it('foreign receipts (no entry, unpinned service) are not verified, never passed', async () => {
    const own = await log.receipt(A);
    const bare = withUnprotected(own, [[HEADER_VDP, decodeSign1(own).unprotected.get(HEADER_VDP)]]);
    const other = await ScittLog.create([alpha], 3, OTHER_LOG);
    const unpinned = await other.receipt(3);
    for (const foreign of [bare, unpinned]) {
      const alone = await verifyTransparentStatement(attachReceipts(alpha, [foreign]), trust);
      failsWith(alone, 'RECEIPTS_UNVERIFIED', 'receipts');
      assert.equal(alone.receipts[0]!.status, 'not-verified');
      const beside = await verifyTransparentStatement(attachReceipts(alpha, [foreign, own]), trust);
      assert.equal(beside.ok, true, JSON.stringify(summary(beside)));
      assert.deepEqual(
        beside.receipts.map((r) => r.status),
        ['not-verified', 'verified'],
      );
      assert.match(beside.checks[1]!.summary, /1 of 2 receipts verified.*1 not verified/);
    }
    // With both logs pinned, both receipts verify.
    const both = await verifyTransparentStatement(attachReceipts(alpha, [unpinned, own]), {
      ...trust,
      serviceKeys: [LOG_KEY.vkey, OTHER_LOG.vkey],
    });
    assert.equal(both.ok, true);
    assert.deepEqual(
      both.receipts.map((r) => r.status),
      ['verified', 'verified'],
    );
  });

  it('a receipt whose leaf is not the embedded entry never verifies', async () => {
    // The record's entry with a receipt whose path is another leaf's: the signed root differs.
    const swapped = await log.receipt(B, log.size, log.entries[A]);
    const v = await verifyTransparentStatement(attachReceipts(alpha, [swapped]), trust);
    failsWith(v, 'RECEIPT_UNVERIFIED');
  });
});
