import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64Decode, type Signer, type Verifier } from '@proofline/note';
import {
  buildRecord,
  issuerMessage,
  parseRecord,
  parseStatement,
  parseStatementJson,
  signStatement,
  verifyIssuer,
  type Statement,
} from '../src/index.js';
import {
  COMMITMENT,
  DIGEST,
  assertRecordError,
  assertRejectsRecord,
  fromUtf8,
  testKey,
} from './helpers.js';

const issuer = testKey('issuer.example/ci', 1);
const other = testKey('other.example', 2);
const STATEMENT: Statement = parseStatement({
  digest: DIGEST,
  type: 'ai.decision',
  subject: 'case 7',
  labels: { env: 'prod', model: 'x' },
  commitments: { patient: COMMITMENT },
  controls: ['SOC2:PI1.4', 'ISO27001:A.8.15'],
});

describe('issuerMessage', () => {
  it('is the context line and the canonical statement without issuer', () => {
    const expected =
      'proofline.dev/issuer-statement/v1\n' +
      `{"commitments":{"patient":"${COMMITMENT}"},"controls":["SOC2:PI1.4","ISO27001:A.8.15"],` +
      `"digest":"${DIGEST}","labels":{"env":"prod","model":"x"},"subject":"case 7","type":"ai.decision"}`;
    assert.equal(fromUtf8(issuerMessage(STATEMENT)), expected);
    const withIssuer = { ...STATEMENT, issuer: { key: 'a+00000000', sig: 'A'.repeat(86) + '==' } };
    assert.equal(fromUtf8(issuerMessage(withIssuer)), expected);
  });

  it('validates the statement', () => {
    assertRecordError(
      () => issuerMessage({ digest: DIGEST, type: '' }),
      'INVALID_STATEMENT',
      '/type',
    );
    const extra = { ...STATEMENT, tenant: 'acme' } as Statement;
    assertRecordError(() => issuerMessage(extra), 'INVALID_STATEMENT', '/tenant');
  });
});

describe('signStatement and verifyIssuer', () => {
  it('signs with "<name>+<key id hex>" and verifies', async () => {
    const signed = await signStatement(STATEMENT, issuer.signer);
    assert.equal(
      signed.issuer?.key,
      `issuer.example/ci+${issuer.signer.keyId.toString(16).padStart(8, '0')}`,
    );
    assert.equal(base64Decode(signed.issuer?.sig ?? '').length, 64);
    assert.equal(await verifyIssuer(signed, [issuer.verifier]), true);
    assert.equal(await verifyIssuer(signed, [other.verifier, issuer.verifier]), true);
    // The signature survives JSON and record round trips.
    const again = parseStatementJson(JSON.stringify(signed));
    assert.equal(await verifyIssuer(again, [issuer.verifier]), true);
    const record = parseRecord(buildRecord(signed, 'acme', 0).bytes);
    const { schema, tenant, time, ...fromRecord } = record;
    assert.deepEqual(
      [schema, tenant, time],
      ['proofline.dev/record/v1', 'acme', '1970-01-01T00:00:00.000Z'],
    );
    assert.equal(await verifyIssuer(fromRecord, [issuer.verifier]), true);
  });

  it('replaces an existing issuer', async () => {
    const first = await signStatement(STATEMENT, other.signer);
    const second = await signStatement(first, issuer.signer);
    assert.equal(await verifyIssuer(second, [issuer.verifier]), true);
    assert.equal(await verifyIssuer(second, [other.verifier]), false);
  });

  it('is false without issuer, for an unknown key, or a bad signature', async () => {
    const signed = await signStatement(STATEMENT, issuer.signer);
    assert.equal(await verifyIssuer(STATEMENT, [issuer.verifier]), false);
    assert.equal(await verifyIssuer(signed, []), false);
    assert.equal(await verifyIssuer(signed, [other.verifier]), false);
    // Same name, different key: the key id differs, so the key is unknown.
    assert.equal(await verifyIssuer(signed, [testKey('issuer.example/ci', 3).verifier]), false);
    // Right name and key id, wrong key (a colliding verifier).
    const impostor: Verifier = {
      name: issuer.verifier.name,
      keyId: issuer.verifier.keyId,
      verify: other.verifier.verify,
    };
    assert.equal(await verifyIssuer(signed, [impostor]), false);
    const sig = base64Decode(signed.issuer?.sig ?? '');
    sig[10] = (sig[10] ?? 0) ^ 1;
    const flipped = {
      ...signed,
      issuer: { key: signed.issuer?.key ?? '', sig: Buffer.from(sig).toString('base64') },
    };
    assert.equal(await verifyIssuer(flipped, [issuer.verifier]), false);
  });

  it('is false after tampering with any member', async () => {
    const signed = await signStatement(STATEMENT, issuer.signer);
    const tampered: Statement[] = [
      { ...signed, digest: `sha256:${'b2'.repeat(32)}` },
      { ...signed, type: 'ai.decision2' },
      { ...signed, subject: 'case 8' },
      { ...signed, subject: undefined },
      { ...signed, labels: { env: 'dev', model: 'x' } },
      { ...signed, labels: { env: 'prod' } },
      { ...signed, labels: { env: 'prod', model: 'x', extra: '' } },
      { ...signed, labels: undefined },
      { ...signed, commitments: { patient: `sha256:${'d4'.repeat(32)}` } },
      { ...signed, commitments: {} },
      { ...signed, controls: ['ISO27001:A.8.15', 'SOC2:PI1.4'] },
      { ...signed, controls: ['SOC2:PI1.4'] },
      { ...signed, controls: undefined },
    ];
    for (const s of tampered) {
      assert.equal(await verifyIssuer(s, [issuer.verifier]), false, JSON.stringify(s));
    }
    const renamed = {
      ...signed,
      issuer: {
        key: `other.example+${issuer.signer.keyId.toString(16).padStart(8, '0')}`,
        sig: signed.issuer?.sig ?? '',
      },
    };
    assert.equal(await verifyIssuer(renamed, [issuer.verifier, other.verifier]), false);
  });

  it('rejects invalid statements, signers and ambiguous verifiers', async () => {
    await assertRejectsRecord(
      signStatement({ digest: 'x', type: 't' }, issuer.signer),
      'INVALID_STATEMENT',
      '/digest',
    );
    await assertRejectsRecord(
      verifyIssuer({ digest: 'x', type: 't' }, [issuer.verifier]),
      'INVALID_STATEMENT',
      '/digest',
    );
    const bad = (overrides: Partial<Signer>): Signer => ({
      ...issuer.signer,
      sign: issuer.signer.sign,
      ...overrides,
    });
    for (const signer of [
      bad({ name: 'has space' }),
      bad({ name: 'a+b' }),
      bad({ name: '' }),
      bad({ name: 'n'.repeat(248) }),
      bad({ keyId: -1 }),
      bad({ keyId: 2 ** 32 }),
      bad({ keyId: 1.5 }),
      bad({ sign: async () => new Uint8Array(63) }),
      bad({ sign: async () => 'sig' as unknown as Uint8Array }),
    ]) {
      await assertRejectsRecord(signStatement(STATEMENT, signer), 'INVALID_ARGUMENT');
    }
    const signed = await signStatement(STATEMENT, issuer.signer);
    await assertRejectsRecord(
      verifyIssuer(signed, [issuer.verifier, issuer.verifier]),
      'INVALID_ARGUMENT',
    );
  });
});
