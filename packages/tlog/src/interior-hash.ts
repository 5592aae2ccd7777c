/**
 * RFC 6962 interior-node hashing, SHA-256(0x01 || left || right), in plain JavaScript with no
 * allocation per hash, specialised to its 65-byte input (two blocks, the padding fixed): the
 * browser-safe SHA-256 of tlog's nodeHash and tile expansion (a third of noble's cost per
 * node), and @proofline/tlog/node's nodeHashInto where node:crypto lacks the one-shot
 * crypto.hash (Node < 20.12). About 0.67 µs a node on the benchmark VM. Synchronous, so its
 * working state is module-level. Checked against node:crypto and noble in test/node.test.ts,
 * and through nodeHash against RFC 6962 vectors and Go's x/mod tlog.
 */

// prettier-ignore
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// prettier-ignore
const IV = Int32Array.from([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);
const W = new Int32Array(64);
const H = new Int32Array(8);

/** One SHA-256 compression of the block in W[0..15] into H. */
function compress(): void {
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!;
    const b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!,
    b = H[1]!,
    c = H[2]!,
    d = H[3]!,
    e = H[4]!,
    f = H[5]!,
    g = H[6]!,
    h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/**
 * Writes SHA-256(0x01 || src[at, at + 64)) (the node over the two 32-byte hashes there) to
 * dst[to, to + 32). All input is read before any output is written, so dst may overlap src.
 */
export function nodeHashInto(src: Uint8Array, at: number, dst: Uint8Array, to: number): void {
  H.set(IV);
  // Block 1: 0x01 and the first 63 bytes; block 2: the last byte, 0x80, zeros, length 520 bits.
  W[0] = 0x01000000 | (src[at]! << 16) | (src[at + 1]! << 8) | src[at + 2]!;
  for (let i = 1, p = at + 3; i < 16; i++, p += 4) {
    W[i] = (src[p]! << 24) | (src[p + 1]! << 16) | (src[p + 2]! << 8) | src[p + 3]!;
  }
  compress();
  W[0] = (src[at + 63]! << 24) | 0x00800000;
  W.fill(0, 1, 15);
  W[15] = 520;
  compress();
  for (let i = 0; i < 8; i++) {
    const v = H[i]!;
    dst[to + 4 * i] = v >>> 24;
    dst[to + 4 * i + 1] = v >>> 16;
    dst[to + 4 * i + 2] = v >>> 8;
    dst[to + 4 * i + 3] = v;
  }
}

/** The input of interiorHash: the two children (rewritten by each call). */
const CHILDREN = new Uint8Array(64);

/**
 * SHA-256(0x01 || left || right) of two 32-byte hashes as a new 32-byte array, computed by
 * `into` (this module's nodeHashInto, or @proofline/tlog/node's). Synchronous, so one input
 * buffer serves every call.
 */
export function interiorHash(
  left: Uint8Array,
  right: Uint8Array,
  into: (src: Uint8Array, at: number, dst: Uint8Array, to: number) => void = nodeHashInto,
): Uint8Array {
  CHILDREN.set(left, 0);
  CHILDREN.set(right, 32);
  const out = new Uint8Array(32);
  into(CHILDREN, 0, out, 0);
  return out;
}
