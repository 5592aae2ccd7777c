/**
 * @proofline/tlog/node: the one fast path of RFC 6962 hashing for Node processes (the
 * publisher, the server, the CLI and its audit workers): leaves with node:crypto (OpenSSL),
 * interior nodes with an allocation-free JavaScript SHA-256 (faster than node:crypto on 65
 * bytes). Same bytes as the browser-safe leafHash and nodeHash of @proofline/tlog, several
 * times faster for bulk work. The only module of this package that uses Node built-ins: the
 * main entry point never imports it.
 */
import * as crypto from 'node:crypto';
import { nodeHashInto } from './interior-hash.js';

export { nodeHashInto };

/** SHA-256 with node:crypto: the one-shot crypto.hash where it exists (Node ≥ 20.12). */
const sha256: (data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** A plain Uint8Array over a Buffer's bytes (no copy), so callers never see Buffer methods. */
function plain(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/**
 * The RFC 6962 leaf hash SHA-256(0x00 || entry) with node:crypto (OpenSSL): the same bytes as
 * tlog's browser-safe leafHash, several times faster for the publisher's bulk integration.
 */
export function nodeLeafHash(entry: Uint8Array): Uint8Array {
  const input = Buffer.allocUnsafe(1 + entry.length);
  input[0] = 0; // the leaf prefix
  input.set(entry, 1);
  return plain(sha256(input));
}

/**
 * SHA-256 as a one-byte ('binary', i.e. latin1) string of its 32 bytes: about half the cost
 * of a Buffer result, whose allocation outweighs the hashing of a small entry.
 */
const sha256Latin1: (data: Uint8Array) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'binary')
    : (data) => crypto.createHash('sha256').update(data).digest('binary');

/** nodeLeafHashes' input: the prefix byte, then the entry (synchronous: one serves every call). */
let leafInput = Buffer.alloc(1024);

/**
 * The RFC 6962 leaf hashes of `entries`, in order: views of one new buffer of 32 bytes per
 * entry, the same bytes as nodeLeafHash of each. For a commit's entries (the receipt sealer):
 * each entry is copied behind the prefix byte of one reused input buffer and hashed into the
 * output (nodeLeafHashInto), so no buffer is allocated per entry.
 */
export function nodeLeafHashes(entries: readonly Uint8Array[]): Uint8Array[] {
  const out = Buffer.allocUnsafeSlow(32 * entries.length);
  const leaves = new Array<Uint8Array>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.length >= leafInput.length) leafInput = Buffer.alloc(2 * (entry.length + 1));
    leafInput.set(entry, 1);
    nodeLeafHashInto(leafInput, 0, entry.length + 1, out, 32 * i);
    leaves[i] = new Uint8Array(out.buffer, out.byteOffset + 32 * i, 32);
  }
  return leaves;
}

/**
 * Writes the RFC 6962 leaf hash of the entry buffer[prefixAt + 1, end) to dst[to, to + 32),
 * computed in place: the byte at `prefixAt` (e.g. the low byte of an entry bundle's length
 * prefix, already read) is overwritten with the 0x00 leaf prefix, so no entry is copied and
 * no array allocated. For the auditor's bulk work.
 */
export function nodeLeafHashInto(
  buffer: Uint8Array,
  prefixAt: number,
  end: number,
  dst: Buffer,
  to: number,
): void {
  if (
    !Number.isSafeInteger(prefixAt) ||
    prefixAt < 0 ||
    !(end > prefixAt && end <= buffer.length) ||
    !Number.isSafeInteger(to) ||
    to < 0 ||
    to + 32 > dst.length
  ) {
    throw new RangeError(
      'nodeLeafHashInto: the entry and the output must lie within their buffers',
    );
  }
  buffer[prefixAt] = 0; // the leaf prefix
  dst.write(sha256Latin1(buffer.subarray(prefixAt, end)), to, 32, 'latin1');
}

/**
 * The RFC 6962 interior-node hash SHA-256(0x01 || left || right) (nodeHashInto): the same
 * bytes as tlog's browser-safe nodeHash, for the server's and the sequencer's bulk tree
 * building.
 */
export function nodeInteriorHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  // Synchronous, so one input buffer serves every call.
  CHILDREN.set(left, 0);
  CHILDREN.set(right, 32);
  const out = new Uint8Array(32);
  nodeHashInto(CHILDREN, 0, out, 0);
  return out;
}

/** The input of nodeInteriorHash: the two children (rewritten by each call). */
const CHILDREN = new Uint8Array(64);
