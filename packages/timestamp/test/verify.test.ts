import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  MAX_RESPONSE_SIZE,
  MAX_TOKEN_SIZE,
  TimestampError,
  createRequest,
  parseRequest,
  verifyResponse,
  verifyToken,
  type TimestampErrorCode,
} from '../src/index.js';
import {
  TSA_EXTENSIONS,
  TestPki,
  cmsToken,
  openssl,
  opensslSupportsTs,
  tstInfoOf,
  utf8,
  type Issued,
  type TestTsa,
} from './helpers.js';

/** Asserts that `promise` rejects with a TimestampError of `code`. */
async function rejectsWith(promise: Promise<unknown>, code: TimestampErrorCode): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof TimestampError, `expected TimestampError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return true;
  });
}

const CHECKPOINT = utf8(
  'example.com/log\n42\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n— example.com/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n',
);

describe('RFC 3161 against openssl ts -reply', () => {
  before(() => assert.ok(opensslSupportsTs(), '/usr/bin/openssl must support `openssl ts`'));
  let pki: TestPki;
  let root: Issued;
  let tsaCert: Issued;
  let tsa: TestTsa;

  before(() => {
    pki = new TestPki();
    root = pki.root('Test Root');
    tsaCert = pki.issue('Test TSA', root);
    tsa = pki.tsa(tsaCert);
  });
  after(() => pki.cleanup());

  async function stamp(data: Uint8Array, t: TestTsa = tsa) {
    const request = await createRequest(data, { hashAlgorithm: 'SHA-256' });
    return { request, response: t.reply(request.der) };
  }

  test('a checkpoint is timestamped and verified', async () => {
    const before = Date.now();
    const { request, response } = await stamp(CHECKPOINT);
    const v = await verifyResponse(response, {
      data: CHECKPOINT,
      nonce: request.nonce!,
      trustedRoots: [root.der],
    });
    assert.ok(Math.abs(v.genTime.getTime() - before) < 60_000);
    assert.equal(v.accuracyMs, 1501);
    assert.equal(v.latestTime.getTime(), v.genTime.getTime() + 1501);
    assert.equal(v.policy, '1.2.3.4.1');
    assert.equal(v.hashAlgorithm, 'SHA-256');
    assert.equal(v.nonce, request.nonce);
    assert.equal(typeof v.serialNumber, 'bigint');
    assert.deepEqual(v.tsaCertificate, tsaCert.der);
    assert.equal(v.tsaSubject, 'O=Proofline Test, CN=Test TSA');
    assert.deepEqual(v.chain, [tsaCert.der, root.der]);
    // The stored token verifies on its own, later, without the nonce.
    const again = await verifyToken(v.token, { data: CHECKPOINT, trustedRoots: [root.der] });
    assert.equal(again.genTime.getTime(), v.genTime.getTime());
    assert.deepEqual(again.token, v.token);
    // openssl agrees on the token we extracted.
    const tokenPath = pki.path('stored.tst');
    const dataPath = pki.path('stored.data');
    writeFileSync(tokenPath, v.token);
    writeFileSync(dataPath, CHECKPOINT);
    const out = openssl([
      'ts',
      '-verify',
      '-token_in',
      '-in',
      tokenPath,
      '-data',
      dataPath,
      '-CAfile',
      root.certPath,
    ]);
    assert.match(out.toString(), /Verification: OK/);
  });

  test('serial numbers increase, nonces are fresh', async () => {
    const a = await stamp(CHECKPOINT);
    const b = await stamp(CHECKPOINT);
    assert.notEqual(a.request.nonce, b.request.nonce);
    const va = await verifyResponse(a.response, { data: CHECKPOINT, trustedRoots: [root.der] });
    const vb = await verifyResponse(b.response, { data: CHECKPOINT, trustedRoots: [root.der] });
    assert.ok(vb.serialNumber > va.serialNumber);
  });

  for (const hashAlgorithm of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
    test(`${hashAlgorithm} imprints, given nonces (bigint and bytes)`, async () => {
      const nonce = new Uint8Array([0x80, 1, 2, 3, 4, 5, 6, 7, 8]); // high bit: needs a 0 pad
      const request = await createRequest(CHECKPOINT, { hashAlgorithm, nonce });
      assert.equal(request.nonce, 0x800102030405060708n);
      const parsed = parseRequest(request.der);
      assert.equal(parsed.hashAlgorithm, hashAlgorithm);
      assert.equal(parsed.nonce, request.nonce);
      assert.equal(parsed.certReq, true);
      const v = await verifyResponse(tsa.reply(request.der), {
        data: CHECKPOINT,
        nonce,
        trustedRoots: [root.der],
      });
      assert.equal(v.hashAlgorithm, hashAlgorithm);
      assert.equal(v.nonce, 0x800102030405060708n);
      // allowedHashAlgorithms narrows what is accepted.
      await rejectsWith(
        verifyToken(v.token, {
          data: CHECKPOINT,
          trustedRoots: [root.der],
          allowedHashAlgorithms: hashAlgorithm === 'SHA-256' ? ['SHA-512'] : ['SHA-256'],
        }),
        'HASH_ALGORITHM_NOT_ALLOWED',
      );
    });
  }

  test('requests made by openssl ts -query parse, and their replies verify', async () => {
    const dataPath = pki.path('query.data');
    writeFileSync(dataPath, CHECKPOINT);
    const query = new Uint8Array(
      openssl(['ts', '-query', '-data', dataPath, '-sha384', '-cert', '-tspolicy', '1.2.3.4.5']),
    );
    const parsed = parseRequest(query);
    assert.equal(parsed.hashAlgorithm, 'SHA-384');
    assert.equal(parsed.certReq, true);
    assert.equal(parsed.policy, '1.2.3.4.5');
    assert.notEqual(parsed.nonce, undefined);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-384', CHECKPOINT));
    assert.deepEqual(parsed.hashedMessage, digest);
    const v = await verifyResponse(tsa.reply(query), {
      data: CHECKPOINT,
      nonce: parsed.nonce!,
      trustedRoots: [root.der],
      policy: '1.2.3.4.5',
    });
    assert.equal(v.policy, '1.2.3.4.5');
    // openssl ts -verify accepts the reply to our own request too.
    const ours = await createRequest(CHECKPOINT, { policy: '1.2.3.4.6' });
    const queryPath = pki.path('ours.tsq');
    const replyPath = pki.path('ours.tsr');
    writeFileSync(queryPath, ours.der);
    writeFileSync(replyPath, tsa.reply(ours.der));
    const out = openssl([
      'ts',
      '-verify',
      '-queryfile',
      queryPath,
      '-in',
      replyPath,
      '-CAfile',
      root.certPath,
    ]);
    assert.match(out.toString(), /Verification: OK/);
    await rejectsWith(
      verifyResponse(readFileSync(replyPath), {
        data: CHECKPOINT,
        trustedRoots: [root.der],
        policy: '1.2.3.4.1',
      }),
      'POLICY_MISMATCH',
    );
    // A SHA-1 query is refused by the TSA (not in its digests): status rejection.
    const sha1 = new Uint8Array(openssl(['ts', '-query', '-data', dataPath, '-sha1', '-cert']));
    assert.throws(() => parseRequest(sha1), { code: 'HASH_ALGORITHM_NOT_ALLOWED' });
    await rejectsWith(
      verifyResponse(tsa.reply(sha1), { data: CHECKPOINT, trustedRoots: [root.der] }),
      'NOT_GRANTED',
    );
  });

  test('a token for other data is rejected', async () => {
    const { request, response } = await stamp(utf8('some other checkpoint'));
    await rejectsWith(
      verifyResponse(response, {
        data: CHECKPOINT,
        nonce: request.nonce!,
        trustedRoots: [root.der],
      }),
      'MESSAGE_IMPRINT_MISMATCH',
    );
  });

  test('a wrong or missing nonce is rejected', async () => {
    const { request, response } = await stamp(CHECKPOINT);
    await rejectsWith(
      verifyResponse(response, {
        data: CHECKPOINT,
        nonce: request.nonce! + 1n,
        trustedRoots: [root.der],
      }),
      'NONCE_MISMATCH',
    );
    const bare = await createRequest(CHECKPOINT, { nonce: null });
    assert.equal(bare.nonce, undefined);
    assert.equal(parseRequest(bare.der).nonce, undefined);
    await rejectsWith(
      verifyResponse(tsa.reply(bare.der), {
        data: CHECKPOINT,
        nonce: 1n,
        trustedRoots: [root.der],
      }),
      'NONCE_MISMATCH',
    );
  });

  test('a TSA under a CA that is not trusted is rejected', async () => {
    const otherRoot = pki.root('Other Root');
    const otherTsa = pki.tsa(pki.issue('Other TSA', otherRoot));
    const { request, response } = await stamp(CHECKPOINT, otherTsa);
    const opts = { data: CHECKPOINT, nonce: request.nonce! };
    await rejectsWith(
      verifyResponse(response, { ...opts, trustedRoots: [root.der] }),
      'UNTRUSTED_TSA',
    );
    await verifyResponse(response, { ...opts, trustedRoots: [root.der, otherRoot.der] });
    // A certificate with the same name as the trusted root but another key does not help.
    const impostor = pki.root('Test Root');
    const impostorTsa = pki.tsa(pki.issue('Impostor TSA', impostor), { chain: [impostor] });
    const forged = await stamp(CHECKPOINT, impostorTsa);
    await rejectsWith(
      verifyResponse(forged.response, { data: CHECKPOINT, trustedRoots: [root.der] }),
      'UNTRUSTED_TSA',
    );
  });

  test('an intermediate CA in the token builds the path; without it there is none', async () => {
    const intermediate = pki.intermediate('Test Intermediate', root);
    const leaf = pki.issue('Chained TSA', intermediate, TSA_EXTENSIONS, { type: 'rsa' });
    const withChain = pki.tsa(leaf, { chain: [intermediate], signerDigest: 'sha384' });
    const v = await verifyResponse((await stamp(CHECKPOINT, withChain)).response, {
      data: CHECKPOINT,
      trustedRoots: [root.der],
    });
    assert.deepEqual(v.chain, [leaf.der, intermediate.der, root.der]);
    const bare = pki.tsa(leaf);
    const { response } = await stamp(CHECKPOINT, bare);
    await rejectsWith(
      verifyResponse(response, { data: CHECKPOINT, trustedRoots: [root.der] }),
      'UNTRUSTED_TSA',
    );
    // ...unless the intermediate is handed in separately.
    await verifyResponse(response, {
      data: CHECKPOINT,
      trustedRoots: [root.der],
      certificates: [intermediate.der],
    });
    // An end-entity certificate cannot act as a CA.
    const notCa = pki.issue('Not A CA', root);
    const underNotCa = pki.issue('Under Not A CA', notCa);
    const { response: r2 } = await stamp(CHECKPOINT, pki.tsa(underNotCa, { chain: [notCa] }));
    await rejectsWith(
      verifyResponse(r2, { data: CHECKPOINT, trustedRoots: [root.der] }),
      'UNTRUSTED_TSA',
    );
  });

  test('ESS signing-certificate v1 (SHA-1) and v2 (SHA-512) are both checked', async () => {
    for (const essCertIdAlg of ['sha1', 'sha512'] as const) {
      const t = pki.tsa(tsaCert, { essCertIdAlg, tsaName: false, accuracy: 'secs:2' });
      const v = await verifyResponse((await stamp(CHECKPOINT, t)).response, {
        data: CHECKPOINT,
        trustedRoots: [root.der],
      });
      assert.equal(v.accuracyMs, 2000);
    }
  });

  test('a token without certificates verifies only with the TSA certificate supplied', async () => {
    const request = await createRequest(CHECKPOINT, { certReq: false });
    const response = tsa.reply(request.der);
    await rejectsWith(
      verifyResponse(response, { data: CHECKPOINT, trustedRoots: [root.der] }),
      'UNTRUSTED_TSA',
    );
    await verifyResponse(response, {
      data: CHECKPOINT,
      trustedRoots: [root.der],
      certificates: [tsaCert.der],
    });
    // Pinning the TSA certificate itself as the trust anchor works too.
    await verifyResponse(response, { data: CHECKPOINT, trustedRoots: [tsaCert.der] });
  });

  test('a TSA certificate expired at genTime is rejected', async () => {
    const expired = pki.issue('Expired TSA', root, TSA_EXTENSIONS, { days: -1 });
    const { response } = await stamp(CHECKPOINT, pki.tsa(expired));
    await rejectsWith(
      verifyResponse(response, { data: CHECKPOINT, trustedRoots: [root.der] }),
      'UNTRUSTED_TSA',
    );
  });

  test('genTime in the future of the verifier clock is rejected', async () => {
    const { response } = await stamp(CHECKPOINT);
    await rejectsWith(
      verifyResponse(response, {
        data: CHECKPOINT,
        trustedRoots: [root.der],
        now: new Date(Date.now() - 3600_000),
      }),
      'BAD_TIME',
    );
  });

  describe('TSA certificates that break RFC 3161 §2.3 (tokens signed by openssl cms)', () => {
    let tstInfo: Uint8Array;
    before(async () => {
      // No tsa name in the TSTInfo: it would name the proper TSA, not the certificates below.
      const { response } = await stamp(CHECKPOINT, pki.tsa(tsaCert, { tsaName: false }));
      const v = await verifyResponse(response, { data: CHECKPOINT, trustedRoots: [root.der] });
      tstInfo = tstInfoOf(v.token);
    });

    test('control: a proper TSA certificate passes through the same path', async () => {
      const token = cmsToken(pki, tstInfo, tsaCert);
      await verifyToken(token, { data: CHECKPOINT, trustedRoots: [root.der] });
    });

    test('a token without an ESS signing-certificate attribute is rejected', async () => {
      await rejectsWith(
        verifyToken(cmsToken(pki, tstInfo, tsaCert, false), {
          data: CHECKPOINT,
          trustedRoots: [root.der],
        }),
        'BAD_SIGNING_CERTIFICATE',
      );
    });

    test('a tsa name that is not the signer certificate subject is rejected', async () => {
      const { response } = await stamp(CHECKPOINT); // tsa = Test TSA
      const v = await verifyResponse(response, { data: CHECKPOINT, trustedRoots: [root.der] });
      const other = pki.issue('Another TSA', root);
      await rejectsWith(
        verifyToken(cmsToken(pki, tstInfoOf(v.token), other), {
          data: CHECKPOINT,
          trustedRoots: [root.der],
        }),
        'BAD_SIGNING_CERTIFICATE',
      );
    });

    const cases: [string, string[], TimestampErrorCode][] = [
      ['no extendedKeyUsage', ['basicConstraints = CA:FALSE'], 'BAD_EKU'],
      ['a non-critical timeStamping EKU', ['extendedKeyUsage = timeStamping'], 'BAD_EKU'],
      [
        'another purpose too',
        ['extendedKeyUsage = critical, timeStamping, codeSigning'],
        'BAD_EKU',
      ],
      ['another purpose only', ['extendedKeyUsage = critical, codeSigning'], 'BAD_EKU'],
      [
        'a keyUsage without signing',
        ['keyUsage = critical, keyEncipherment', 'extendedKeyUsage = critical, timeStamping'],
        'BAD_KEY_USAGE',
      ],
    ];
    for (const [what, extensions, code] of cases) {
      test(`a TSA certificate with ${what} is rejected (${code})`, async () => {
        const cert = pki.issue(`TSA ${what}`, root, extensions);
        await rejectsWith(
          verifyToken(cmsToken(pki, tstInfo, cert), { data: CHECKPOINT, trustedRoots: [root.der] }),
          code,
        );
      });
    }
  });

  describe('tampering and garbage', () => {
    let response: Uint8Array;
    let token: Uint8Array;
    let nonce: bigint;
    before(async () => {
      const stamped = await stamp(CHECKPOINT);
      response = stamped.response;
      nonce = stamped.request.nonce!;
      token = (
        await verifyResponse(response, { data: CHECKPOINT, nonce, trustedRoots: [root.der] })
      ).token;
    });

    test('a flipped signature byte is rejected', async () => {
      // The SignerInfo (and so the signature) ends the token; ECDSA's s ends it.
      const bad = token.slice();
      bad[bad.length - 1]! ^= 0x01;
      await rejectsWith(
        verifyToken(bad, { data: CHECKPOINT, trustedRoots: [root.der] }),
        'BAD_SIGNATURE',
      );
      const badResponse = response.slice();
      badResponse[badResponse.length - 1]! ^= 0x01;
      await rejectsWith(
        verifyResponse(badResponse, { data: CHECKPOINT, nonce, trustedRoots: [root.der] }),
        'BAD_SIGNATURE',
      );
    });

    test('a modified TSTInfo (genTime) is rejected', async () => {
      const tst = tstInfoOf(token);
      const at = indexOf(token, tst);
      // GeneralizedTime 'YYYYMMDDHHMMSSZ': bump a digit of the year.
      const timeAt = indexOf(tst, utf8(String(new Date().getUTCFullYear())));
      assert.ok(at > 0 && timeAt > 0);
      const bad = token.slice();
      bad[at + timeAt + 3]! ^= 0x01;
      await rejectsWith(
        verifyToken(bad, { data: CHECKPOINT, trustedRoots: [root.der] }),
        'BAD_SIGNATURE',
      );
    });

    test('garbage, empty, truncated, trailing and oversized input is MALFORMED', async () => {
      const opts = { data: CHECKPOINT, trustedRoots: [root.der] };
      const inputs: Uint8Array[] = [
        new Uint8Array(),
        utf8('not a timestamp'),
        new Uint8Array([0x30, 0x80]),
        new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
        response.subarray(0, response.length - 10),
        new Uint8Array([...response, 0]),
        new Uint8Array(MAX_RESPONSE_SIZE + 1),
        crypto.getRandomValues(new Uint8Array(2048)),
      ];
      for (const input of inputs) {
        await rejectsWith(verifyResponse(input, opts), 'MALFORMED');
      }
      for (const input of [...inputs.slice(0, 6), new Uint8Array(MAX_TOKEN_SIZE + 1), response]) {
        await rejectsWith(verifyToken(input, opts), 'MALFORMED');
      }
      assert.throws(() => parseRequest(new Uint8Array(5000)), { code: 'MALFORMED' });
      assert.throws(() => parseRequest(token), { code: 'MALFORMED' });
    });

    test('bad arguments are INVALID_ARGUMENT', async () => {
      await rejectsWith(
        verifyToken(token, { data: CHECKPOINT, trustedRoots: [] }),
        'INVALID_ARGUMENT',
      );
      await rejectsWith(
        verifyToken(token, { data: CHECKPOINT, trustedRoots: [utf8('not a cert')] }),
        'INVALID_ARGUMENT',
      );
      await rejectsWith(
        verifyToken(token, { data: 'x' as unknown as Uint8Array, trustedRoots: [root.der] }),
        'INVALID_ARGUMENT',
      );
      await rejectsWith(createRequest(CHECKPOINT, { nonce: -1n }), 'INVALID_ARGUMENT');
      await rejectsWith(
        createRequest(CHECKPOINT, { hashAlgorithm: 'MD5' as 'SHA-256' }),
        'INVALID_ARGUMENT',
      );
      await rejectsWith(createRequest(CHECKPOINT, { policy: 'nope' }), 'INVALID_ARGUMENT');
    });

    test('random corruption only ever throws TimestampError', async () => {
      let seed = 12345;
      const rand = (n: number) => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed % n;
      };
      const codes = new Set<string>();
      for (let i = 0; i < 300; i++) {
        const bad = response.slice();
        const flips = 1 + rand(3);
        for (let j = 0; j < flips; j++) bad[rand(bad.length)] = rand(256);
        try {
          await verifyResponse(bad, { data: CHECKPOINT, nonce, trustedRoots: [root.der] });
        } catch (e) {
          assert.ok(e instanceof TimestampError, `non-TimestampError thrown: ${String(e)}`);
          codes.add(e.code);
        }
      }
      assert.ok(codes.has('MALFORMED'));
    });
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
