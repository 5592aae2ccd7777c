import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HASH_SIZE, emptyTreeHash, equalHashes, leafHash, nodeHash, sha256 } from '../src/index.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { throwsCode } from './helpers.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

test('sha256 matches FIPS 180-4 "abc"', () => {
  assert.equal(
    hex(sha256(bytes('abc'))),
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
  );
  assert.equal(HASH_SIZE, 32);
});

test('emptyTreeHash is SHA-256("") and a fresh copy each call', () => {
  const a = emptyTreeHash();
  assert.equal(hex(a), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  a[0] = 0;
  assert.equal(emptyTreeHash()[0], 0xe3);
});

test('leafHash and nodeHash use the RFC 6962 domain separation prefixes', () => {
  assert.equal(
    hex(leafHash(new Uint8Array(0))),
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  );
  const entry = bytes('hello');
  assert.deepEqual(leafHash(entry), sha256(Uint8Array.of(0, ...entry)));
  const l = sha256(bytes('l'));
  const r = sha256(bytes('r'));
  assert.deepEqual(nodeHash(l, r), sha256(Uint8Array.of(1, ...l, ...r)));
  assert.notDeepEqual(nodeHash(l, r), nodeHash(r, l));
});

test('nodeHash (its own 65-byte SHA-256) equals SHA-256(0x01 || left || right) by noble', () => {
  // Views at odd offsets of one buffer, and each result kept while later calls reuse the
  // input buffer: every earlier result must still be right.
  const pool = Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + (i >> 7)) & 0xff);
  const results: [Uint8Array, Uint8Array, Uint8Array][] = [];
  for (let k = 0; k < 300; k++) {
    const l = pool.subarray((k * 37) % 4000, ((k * 37) % 4000) + 32);
    const r = pool.subarray((k * 53 + 11) % 4000, ((k * 53 + 11) % 4000) + 32);
    results.push([l, r, nodeHash(l, r)]);
  }
  for (const [l, r, got] of results) {
    assert.equal(hex(got), hex(nobleSha256(Uint8Array.of(1, ...l, ...r))));
    assert.equal(got.length, 32);
  }
  assert.notEqual(results[0]![2], results[1]![2], 'a fresh array per call');
});

test('nodeHash rejects hashes that are not 32 bytes', () => {
  const h = sha256(bytes('x'));
  throwsCode(() => nodeHash(h.subarray(1), h), 'INVALID_ARGUMENT');
  throwsCode(() => nodeHash(h, new Uint8Array(33)), 'INVALID_ARGUMENT');
  throwsCode(() => leafHash('x' as unknown as Uint8Array), 'INVALID_ARGUMENT');
});

test('equalHashes compares length and every byte', () => {
  const h = sha256(bytes('x'));
  assert.ok(equalHashes(h, h.slice()));
  assert.ok(!equalHashes(h, h.subarray(1)));
  const g = h.slice();
  g[31] = (g[31] as number) ^ 1;
  assert.ok(!equalHashes(h, g));
  assert.ok(equalHashes(new Uint8Array(0), new Uint8Array(0)));
});
