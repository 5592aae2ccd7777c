import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { parseCheckpoint, parseNote } from '@proofline/note';
import { formatBundle, recordId, type BundleV1 } from '@proofline/records';
import { VerificationError, verifyBundle, type CheckName } from '../src/index.js';
import {
  CHECK_ORDER,
  ISSUER,
  LOG,
  LOG_KEY,
  ORIGIN,
  POLICY,
  TestLog,
  assertFails,
  assertPasses,
  check,
  statuses,
  testKey,
  utf8,
  witness,
} from './helpers.js';

const UNCONFIGURED: readonly CheckName[] = [
  'content',
  'issuer',
  'witnesses',
  'timestamp',
  'consistency',
];

let log: TestLog;
let bundle: BundleV1;

before(async () => {
  log = await TestLog.create({ size: 7 });
  bundle = await log.bundle(5);
});

describe('valid bundles', () => {
  it('pass every applicable check, reported in order', async () => {
    const v = await verifyBundle(formatBundle(bundle), POLICY);
    assertPasses(v, UNCONFIGURED);
    assert.deepEqual(
      v.checks.map((c) => c.name),
      CHECK_ORDER,
    );
    assert.equal(v.index, 5);
    assert.equal(v.record?.time, log.records[5]!.time);
    assert.equal(v.checkpoint?.size, 7);
    assert.equal(v.bundle?.id, 'acme-prod-5');
    for (const c of v.checks) assert.ok(c.summary.length > 0 && !c.summary.includes('\n'));
    assert.equal(check(v, 'record').evidence.leafHash, check(v, 'inclusion').evidence.leafHash);
    assert.equal(check(v, 'checkpoint').evidence.size, '7');
  });

  it('pass for every index of logs of several sizes, also across tiles', async () => {
    for (const size of [1, 2, 3, 8, 9, 300]) {
      const l = size === 7 ? log : await TestLog.create({ size });
      for (const index of new Set([0, 1, size >> 1, size - 2, size - 1, 255, 256, 257])) {
        if (index < 0 || index >= size) continue;
        const v = await verifyBundle(await l.bundleJson(index), POLICY);
        assertPasses(v, UNCONFIGURED);
      }
    }
  });

  it('pass as a Bundle object, checked the same way', async () => {
    assertPasses(await verifyBundle(bundle, POLICY), UNCONFIGURED);
    const bad = { ...bundle, id: 'acme-prod-4' };
    assertFails(await verifyBundle(bad, POLICY), 'bundle', 'MALFORMED_BUNDLE');
  });

  it('pass with the origin given explicitly in the policy', async () => {
    const v = await verifyBundle(bundle, { logKey: LOG_KEY.vkey, origin: ORIGIN });
    assertPasses(v, UNCONFIGURED);
  });

  it('pass for a bundle of an older checkpoint of the log', async () => {
    assertPasses(await verifyBundle(await log.bundle(2, 3), POLICY), UNCONFIGURED);
  });
});

describe('bundle', () => {
  it('fails for malformed input, and nothing else is checked', async () => {
    for (const input of ['', '{}', 'null', formatBundle(bundle).slice(0, -1), null, 42, {}, []]) {
      const v = await verifyBundle(input as string, POLICY);
      assertFails(v, 'bundle', 'MALFORMED_BUNDLE');
      const { error } = check(v, 'bundle');
      assert.ok(error instanceof VerificationError && error.cause !== undefined);
      assert.ok(Object.isFrozen(error.evidence) && Object.isFrozen(v.checks));
      for (const c of v.checks.slice(1)) {
        assert.equal(c.status, 'not-applicable');
        assert.equal(c.summary, 'not checked: bundle failed');
      }
      assert.equal(v.bundle, undefined);
    }
  });
});

describe('record', () => {
  it('fails for a non-canonical entry; the inclusion proof fails too', async () => {
    const text = new TextDecoder().decode(bundle.entry);
    const entry = utf8(text.replace('{', '{ '));
    const v = await verifyBundle({ ...bundle, entry }, POLICY);
    assertFails(v, 'record', 'MALFORMED_RECORD');
    assert.equal(check(v, 'receipt').summary, 'not checked: record failed');
    assertFails(v, 'inclusion', 'INCLUSION_PROOF_INVALID');
    assert.equal(check(v, 'checkpoint').status, 'passed');
  });

  it('an entry replaced by another canonical record fails the receipt and inclusion', async () => {
    const v = await verifyBundle({ ...bundle, entry: log.entries[4]! }, POLICY);
    assert.equal(check(v, 'record').status, 'passed');
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assert.match(check(v, 'receipt').summary, /leaf, time/);
    assertFails(v, 'inclusion', 'INCLUSION_PROOF_INVALID');
  });

  it('fails when the bundle names another origin', async () => {
    const v = await verifyBundle({ ...bundle, origin: 'proofline.example/other' }, POLICY);
    assertFails(v, 'record', 'ORIGIN_MISMATCH');
    assert.equal(check(v, 'record').evidence.bundleOrigin, 'proofline.example/other');
    // The checks that do not depend on the bundle's origin still pass.
    for (const name of ['receipt', 'inclusion', 'checkpoint'] as const) {
      assert.equal(check(v, name).status, 'passed');
    }
  });
});

describe('wrong log key', () => {
  it('same name, another key: the receipt and the checkpoint fail', async () => {
    const impostor = testKey(ORIGIN, 99);
    const v = await verifyBundle(bundle, { logKey: impostor.vkey });
    assert.equal(check(v, 'record').status, 'passed');
    assertFails(v, 'receipt', 'RECEIPT_UNVERIFIED');
    assertFails(v, 'checkpoint', 'CHECKPOINT_UNVERIFIED');
    assert.equal(check(v, 'inclusion').summary, 'not checked: checkpoint failed');
  });

  it('another log: the origin, the receipt and the checkpoint fail', async () => {
    const other = testKey('proofline.example/other', 98);
    const v = await verifyBundle(bundle, { logKey: other.vkey });
    assertFails(v, 'record', 'ORIGIN_MISMATCH');
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assertFails(v, 'checkpoint', 'CHECKPOINT_UNVERIFIED');
  });
});

describe('content', () => {
  it('passes when the content hashes to the record digest', async () => {
    const v = await verifyBundle(bundle, POLICY, { content: log.contents[5]! });
    assertPasses(v, ['issuer', 'witnesses', 'timestamp', 'consistency']);
    assert.equal(check(v, 'content').evidence.actual, log.records[5]!.digest);
  });

  it('fails for other content', async () => {
    const v = await verifyBundle(bundle, POLICY, { content: log.contents[4]! });
    assertFails(v, 'content', 'CONTENT_MISMATCH');
    assert.equal(statuses(v).receipt, 'passed');
  });
});

describe('issuer', () => {
  let signed: TestLog;
  before(async () => {
    signed = await TestLog.create({ size: 3, issuer: ISSUER });
  });
  const trusted = { ...POLICY, issuerKeys: [ISSUER.vkey] };

  it('passes for a valid signature by a trusted issuer, required or not', async () => {
    const b = await signed.bundle(1);
    assertPasses(await verifyBundle(b, trusted), [
      'content',
      'witnesses',
      'timestamp',
      'consistency',
    ]);
    const required = { ...trusted, requireIssuerSignature: true };
    const v = await verifyBundle(b, required);
    assertPasses(v, ['content', 'witnesses', 'timestamp', 'consistency']);
    assert.match(check(v, 'issuer').evidence.issuerKey ?? '', /^issuer\.example\/ci\+[0-9a-f]{8}$/);
  });

  it('is not applicable without issuer or for an unknown issuer, unless required', async () => {
    const v = await verifyBundle(bundle, trusted);
    assert.equal(check(v, 'issuer').status, 'not-applicable');
    assert.equal(v.ok, true);
    const stranger = { ...POLICY, issuerKeys: [testKey('issuer.example/ci', 32).vkey] };
    const w = await verifyBundle(await signed.bundle(1), stranger);
    assert.equal(check(w, 'issuer').status, 'not-applicable');
    assert.equal(w.ok, true);
  });

  it('fails when required and absent or by an untrusted key', async () => {
    assertFails(
      await verifyBundle(bundle, { ...trusted, requireIssuerSignature: true }),
      'issuer',
      'ISSUER_MISSING',
    );
    const stranger = {
      ...POLICY,
      issuerKeys: [testKey('issuer.example/ci', 32).vkey],
      requireIssuerSignature: true,
    };
    assertFails(await verifyBundle(await signed.bundle(1), stranger), 'issuer', 'ISSUER_UNTRUSTED');
  });

  it('fails when required with no trusted issuer keys at all', async () => {
    const policy = { ...POLICY, requireIssuerSignature: true };
    assertFails(await verifyBundle(await signed.bundle(1), policy), 'issuer', 'ISSUER_UNTRUSTED');
    assertFails(await verifyBundle(bundle, policy), 'issuer', 'ISSUER_MISSING');
  });

  it('fails for an invalid signature by a trusted key, required or not', async () => {
    const broken = await TestLog.create({
      size: 2,
      issuer: ISSUER,
      alter: (s) => ({ ...s, subject: 'changed after signing' }),
    });
    const v = await verifyBundle(await broken.bundle(0), trusted);
    assertFails(v, 'issuer', 'ISSUER_SIGNATURE_INVALID');
    assert.equal(statuses(v).receipt, 'passed');
  });
});

describe('receipt', () => {
  it('fails for a receipt with another time', async () => {
    const receipt = await log.receipt(5, { time: '2030-01-01T00:00:00.000Z' });
    const v = await verifyBundle({ ...bundle, receipt }, POLICY);
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assert.equal(check(v, 'receipt').evidence.time, '2030-01-01T00:00:00.000Z');
    assert.equal(check(v, 'receipt').evidence.expectedTime, log.records[5]!.time);
    assert.equal(statuses(v).inclusion, 'passed');
  });

  it('fails for the receipt of another entry', async () => {
    const v = await verifyBundle({ ...bundle, receipt: await log.receipt(4) }, POLICY);
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    assert.match(check(v, 'receipt').summary, /index, leaf, time/);
  });

  it('fails for a receipt signed by another key of the same name', async () => {
    const receipt = await log.receipt(5, { signer: testKey(ORIGIN, 97).signer });
    assertFails(
      await verifyBundle({ ...bundle, receipt }, POLICY),
      'receipt',
      'RECEIPT_UNVERIFIED',
    );
  });

  it('fails for a note that is not a receipt', async () => {
    const v = await verifyBundle({ ...bundle, receipt: bundle.checkpoint }, POLICY);
    assertFails(v, 'receipt', 'RECEIPT_MALFORMED');
  });
});

describe('inclusion', () => {
  it('fails for a wrong index', async () => {
    const moved = { ...bundle, index: 4, id: recordId(LOG, 4) };
    const v = await verifyBundle(moved, POLICY);
    assertFails(v, 'inclusion', 'INCLUSION_PROOF_INVALID');
    assertFails(v, 'receipt', 'RECEIPT_MISMATCH');
    const beyond = { ...bundle, index: 7, id: recordId(LOG, 7) };
    const w = await verifyBundle(beyond, POLICY);
    assertFails(w, 'inclusion', 'INCLUSION_PROOF_INVALID');
    assert.match(check(w, 'inclusion').summary, /not below the tree size 7/);
  });

  it('fails for a changed, missing or extra proof hash', async () => {
    const proofs = [
      bundle.inclusionProof.slice(1),
      [...bundle.inclusionProof, bundle.inclusionProof[0]!],
      bundle.inclusionProof.map((h, i) => (i === 1 ? h.map((b, j) => (j === 0 ? b ^ 1 : b)) : h)),
    ];
    for (const inclusionProof of proofs) {
      const v = await verifyBundle({ ...bundle, inclusionProof }, POLICY);
      assertFails(v, 'inclusion', 'INCLUSION_PROOF_INVALID');
      assert.equal(statuses(v).receipt, 'passed');
    }
  });

  it('fails against another checkpoint of the log', async () => {
    const v = await verifyBundle({ ...bundle, checkpoint: await log.checkpoint(6) }, POLICY);
    assertFails(v, 'inclusion', 'INCLUSION_PROOF_INVALID');
    assert.equal(statuses(v).checkpoint, 'passed');
  });
});

describe('checkpoint', () => {
  it('fails for the checkpoint of another log', async () => {
    const other = await TestLog.create({
      size: 7,
      origin: 'proofline.example/other',
      key: testKey('proofline.example/other', 96),
    });
    const v = await verifyBundle({ ...bundle, checkpoint: await other.checkpoint(7) }, POLICY);
    assertFails(v, 'checkpoint', 'CHECKPOINT_UNVERIFIED');
  });

  it('fails for a checkpoint of another origin signed by the log key', async () => {
    const checkpoint = await log.checkpoint(7, { origin: 'proofline.example/other' });
    const v = await verifyBundle({ ...bundle, checkpoint }, POLICY);
    assertFails(v, 'checkpoint', 'ORIGIN_MISMATCH');
  });

  it('fails for a signed note that is not a checkpoint', async () => {
    const v = await verifyBundle({ ...bundle, checkpoint: bundle.receipt }, POLICY);
    assertFails(v, 'checkpoint', 'CHECKPOINT_MALFORMED');
  });

  it('ignores witness cosignatures without a witness policy', async () => {
    const cosigned = await log.bundle(5, 7, { witnesses: [witness('w.example/1', 41)] });
    assertPasses(await verifyBundle(cosigned, POLICY), UNCONFIGURED);
  });

  it('returns the verified checkpoint', async () => {
    const v = await verifyBundle(bundle, POLICY);
    const body = parseCheckpoint(parseNote(bundle.checkpoint).text);
    assert.deepEqual(v.checkpoint, body);
  });
});
