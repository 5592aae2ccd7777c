import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  CborTag,
  CoseError,
  buildReceipt,
  decodeCbor,
  decodeCoseKeySet,
  decodeSign1,
  ed25519CoseSigner,
  encodeCbor,
  extractReceipts,
  verifyReceipt,
  verifySign1,
} from '../src/index.js';
import { fromHex, prng, throwsCode, toHex } from './helpers.js';
import { TestTree, entries } from './tree.js';

const signer = ed25519CoseSigner(new Uint8Array(32).fill(12));
const keys = [signer.publicKey];
const tree = new TestTree(entries(6));
const leaf = { leafHash: tree.leaves[4]! };
const receipt = await buildReceipt({
  signer,
  leafHash: tree.leaves[4]!,
  root: tree.mth(),
  treeSize: 6,
  leafIndex: 4,
  path: tree.path(4),
});

/** Bytes allocated outside the JS heap and on it; hostile inputs must not move either much. */
const allocated = (): number => process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;

test('huge declared lengths and counts fail at once, within a byte budget', () => {
  const hostile = [
    'd2845bffffffffffffffff', // protected bstr of 2^64 - 1 bytes
    'd2845a7fffffff', // 2 GiB protected bstr, 0 bytes present
    'd28440bbffffffffffffffff', // unprotected map of 2^64 - 1 pairs
    'd28440a0f65bffffffffffffffff', // 2^64 - 1 byte signature
    '9bffffffffffffffff', // key set array of 2^64 - 1
    'd2849a7fffffff', // array count
    'd28449bb0000000100000000a0f640', // a 2^32-pair map inside the 9-byte protected bstr
  ];
  global.gc?.();
  const before = allocated();
  for (let round = 0; round < 200; round++) {
    for (const hex of hostile) {
      const bytes = fromHex(hex);
      assert.throws(
        () => decodeSign1(bytes),
        (e: unknown) => e instanceof CoseError,
        hex,
      );
      assert.throws(
        () => verifyReceipt(bytes, leaf, keys),
        (e: unknown) => e instanceof CoseError,
        hex,
      );
      assert.throws(
        () => decodeCoseKeySet(bytes),
        (e: unknown) => e instanceof CoseError,
        hex,
      );
    }
  }
  assert.ok(allocated() - before < 32 << 20, `grew by ${allocated() - before} bytes`);
});

test('deep nesting, oversized input and too many items are CBOR_LIMIT', () => {
  const deep = new Uint8Array(1 << 20).fill(0x81);
  throwsCode(() => decodeSign1(deep), 'CBOR_LIMIT');
  throwsCode(() => decodeSign1(new Uint8Array((1 << 20) + 1)), 'CBOR_LIMIT');
  // Nesting inside the protected header is bounded too.
  const nestedProtected = encodeCbor(
    new CborTag(18, [
      new Uint8Array([...new Array<number>(40).fill(0x81), 0]),
      new CborMap([]),
      null,
      new Uint8Array(64),
    ]),
  );
  throwsCode(() => decodeSign1(nestedProtected), 'CBOR_LIMIT');
  const manyItems = new Uint8Array([
    0x9a,
    0x00,
    0x01,
    0x86,
    0xa0,
    ...new Array<number>(100_000).fill(0),
  ]);
  throwsCode(() => decodeCoseKeySet(manyItems), 'MALFORMED_KEY');
  throwsCode(() => decodeCbor(manyItems), 'CBOR_LIMIT');
});

test('wrong tags and shapes are MALFORMED_COSE', () => {
  const sign1 = decodeSign1(receipt);
  const body = [sign1.protectedBytes, sign1.unprotected, null, sign1.signature];
  for (const tag of [16, 17, 61, 96, 98, 24]) {
    throwsCode(
      () => decodeSign1(encodeCbor(new CborTag(tag, body))),
      'MALFORMED_COSE',
      String(tag),
    );
  }
  throwsCode(
    () => decodeSign1(encodeCbor(new CborTag(18, new CborTag(18, body)))),
    'MALFORMED_COSE',
  );
  throwsCode(() => decodeSign1(encodeCbor(body.slice(0, 3))), 'MALFORMED_COSE');
  throwsCode(() => decodeSign1(encodeCbor([...body, null])), 'MALFORMED_COSE');
  throwsCode(() => decodeSign1(encodeCbor([encodeCbor([1]), ...body.slice(1)])), 'MALFORMED_COSE');
  throwsCode(() => decodeSign1(encodeCbor([new CborMap([]), ...body.slice(1)])), 'MALFORMED_COSE');
  throwsCode(() => decodeSign1(encodeCbor([body[0]!, [], null, body[3]!])), 'MALFORMED_COSE');
  throwsCode(() => decodeSign1(encodeCbor([body[0]!, body[1]!, 'x', body[3]!])), 'MALFORMED_COSE');
  throwsCode(() => decodeSign1(encodeCbor([body[0]!, body[1]!, null, null])), 'MALFORMED_COSE');
  const bstrLabel = new CborMap([[Uint8Array.of(1), 1]]);
  throwsCode(
    () => decodeSign1(encodeCbor([body[0]!, bstrLabel, null, body[3]!])),
    'MALFORMED_COSE',
  );
});

test('duplicate keys and trailing bytes inside headers are MALFORMED_CBOR', () => {
  const sig = new Uint8Array(64);
  const dupProtected = fromHex('a3012701270401'); // {1: -8, 1: -8, 4: 1}
  throwsCode(
    () => decodeSign1(encodeCbor([dupProtected, new CborMap([]), null, sig])),
    'MALFORMED_CBOR',
  );
  const trailing = fromHex('a1012700');
  throwsCode(
    () => decodeSign1(encodeCbor([trailing, new CborMap([]), null, sig])),
    'MALFORMED_CBOR',
  );
  // An unprotected map with the same key twice, spliced in by hand.
  const dupUnprotected = fromHex('8440a2182a01182a0240' + '5840' + '00'.repeat(64));
  throwsCode(() => decodeSign1(dupUnprotected), 'MALFORMED_CBOR');
  const dupVds = fromHex(toHex(receipt).replace('a201271' + '9018b01', 'a201271' + '9018b01'));
  verifyReceipt(dupVds, leaf, keys);
});

test('unknown critical headers are refused for statements and receipts', () => {
  const protectedBytes = encodeCbor(
    new CborMap([
      [1, -8],
      [395, 1],
      [2, [395, 'x']],
      ['x', 1],
    ]),
  );
  const sign1 = decodeSign1(receipt);
  const bytes = encodeCbor(
    new CborTag(18, [protectedBytes, sign1.unprotected, null, sign1.signature]),
  );
  throwsCode(() => verifyReceipt(bytes, leaf, keys), 'UNKNOWN_CRITICAL_HEADER');
  throwsCode(() => verifySign1(bytes, keys, { payload: tree.mth() }), 'UNKNOWN_CRITICAL_HEADER');
  throwsCode(
    () =>
      extractReceipts(
        encodeCbor(
          new CborTag(18, [
            encodeCbor(new CborMap([[2, [7]]])),
            new CborMap([]),
            null,
            new Uint8Array(0),
          ]),
        ),
      ),
    'UNKNOWN_CRITICAL_HEADER',
  );
});

test('mutated receipts: only typed errors, and no mutation verifies', () => {
  const rand = prng(9942);
  for (let i = 0; i < 1500; i++) {
    const bytes = receipt.slice();
    const n = 1 + (rand() % 3);
    for (let k = 0; k < n; k++) bytes[rand() % bytes.length] = rand() & 0xff;
    if (toHex(bytes) === toHex(receipt)) continue;
    try {
      verifyReceipt(bytes, leaf, keys);
      // A mutation may only survive where it changes nothing signed or proven (there is no
      // such byte in this receipt, whose headers are minimal).
      assert.fail(`mutated receipt verified: ${toHex(bytes)}`);
    } catch (err) {
      assert.ok(err instanceof CoseError, `${toHex(bytes)}: ${String(err)}`);
    }
  }
});
