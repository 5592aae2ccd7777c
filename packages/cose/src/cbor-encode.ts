import { CborMap, CborTag, type CborValue } from './cbor.js';
import { CoseError } from './errors.js';

const MAX_DEPTH = 64;
const MAX_UINT64 = (1n << 64n) - 1n;
const utf8 = new TextEncoder();

function invalid(message: string): CoseError {
  return new CoseError('INVALID_ARGUMENT', message);
}

/**
 * Encodes `value` in the core deterministic encoding of RFC 8949 §4.2.1: every head in
 * shortest form, definite lengths only, map entries sorted by the bytewise lexicographic order
 * of their keys' encodings. Integers must be safe-integer numbers or bigints in
 * [-2^64, 2^64 - 1]. Throws CoseError INVALID_ARGUMENT for a value outside the data model of
 * cbor.ts (floats, non-integer numbers, other objects), duplicate map keys, or nesting deeper
 * than 64 (which also stops cyclic arrays).
 */
export function encodeCbor(value: CborValue): Uint8Array {
  const chunks: Uint8Array[] = [];
  write(value, chunks, 0);
  return concat(chunks);
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The head of RFC 8949 §3 with the shortest argument encoding. */
function head(major: number, arg: number | bigint): Uint8Array {
  const n = BigInt(arg);
  const m = major << 5;
  if (n < 24n) return Uint8Array.of(m | Number(n));
  if (n < 0x100n) return Uint8Array.of(m | 24, Number(n));
  const out =
    n < 0x10000n ? new Uint8Array(3) : n < 0x100000000n ? new Uint8Array(5) : new Uint8Array(9);
  const view = new DataView(out.buffer);
  if (out.length === 3) view.setUint16(1, Number(n));
  else if (out.length === 5) view.setUint32(1, Number(n));
  else view.setBigUint64(1, n);
  out[0] = m | (out.length === 3 ? 25 : out.length === 5 ? 26 : 27);
  return out;
}

function writeInteger(value: number | bigint, out: Uint8Array[]): void {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw invalid(`number ${value} is not a safe integer (floats are not encoded)`);
  }
  const n = BigInt(value);
  if (n > MAX_UINT64 || n < -1n - MAX_UINT64) throw invalid(`integer ${n} out of CBOR range`);
  out.push(n >= 0n ? head(0, n) : head(1, -1n - n));
}

function write(value: CborValue, out: Uint8Array[], depth: number): void {
  if (depth > MAX_DEPTH) throw invalid(`nesting deeper than ${MAX_DEPTH}`);
  if (typeof value === 'number' || typeof value === 'bigint') return writeInteger(value, out);
  if (typeof value === 'string') {
    const bytes = utf8.encode(value);
    out.push(head(3, bytes.length), bytes);
  } else if (value instanceof Uint8Array) {
    out.push(head(2, value.length), value.slice());
  } else if (value === false || value === true || value === null || value === undefined) {
    out.push(
      Uint8Array.of(value === false ? 0xf4 : value === true ? 0xf5 : value === null ? 0xf6 : 0xf7),
    );
  } else if (Array.isArray(value)) {
    out.push(head(4, value.length));
    for (const item of value as readonly CborValue[]) write(item, out, depth + 1);
  } else if (value instanceof CborMap) {
    writeMap(value, out, depth);
  } else if (value instanceof CborTag) {
    const tag = value.tag;
    if (
      typeof tag === 'number' ? !Number.isSafeInteger(tag) || tag < 0 : tag < 0n || tag > MAX_UINT64
    ) {
      throw invalid(`tag ${String(tag)} is not an unsigned 64-bit integer`);
    }
    out.push(head(6, tag));
    write(value.value, out, depth + 1);
  } else {
    throw invalid('value is outside the CBOR data model of this package');
  }
}

function writeMap(map: CborMap, out: Uint8Array[], depth: number): void {
  const entries = map.entries.map(([k, v]) => {
    const key: Uint8Array[] = [];
    write(k, key, depth + 1);
    return { key: concat(key), value: v };
  });
  entries.sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < entries.length; i++) {
    if (compareBytes(entries[i - 1]!.key, entries[i]!.key) === 0)
      throw invalid('duplicate map key');
  }
  out.push(head(5, entries.length));
  for (const e of entries) {
    out.push(e.key);
    write(e.value, out, depth + 1);
  }
}

/** Bytewise lexicographic order (a shorter prefix sorts first). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  return a.length - b.length;
}
