/** Byte plumbing between node-postgres and the storage interface. */

/** node-postgres returns Buffers; the interface hands out plain Uint8Arrays (same memory). */
export function toBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Packs byte strings into one buffer, sent as a single binary `bytea` parameter, with
 * 1-based start offsets and lengths that `substring` uses to cut it apart server-side.
 * This avoids a `bytea[]` parameter, which node-postgres can only send as hex text.
 */
export function pack(list: readonly Uint8Array[]): {
  data: Buffer;
  starts: number[];
  lengths: number[];
} {
  const starts: number[] = [];
  const lengths: number[] = [];
  let offset = 1;
  for (const item of list) {
    starts.push(offset);
    lengths.push(item.length);
    offset += item.length;
  }
  return { data: Buffer.concat(list), starts, lengths };
}

/** Splits `list` in order into runs of at most `maxBytes` bytes (an item larger alone). */
export function chunkByBytes(list: readonly Uint8Array[], maxBytes: number): Uint8Array[][] {
  const chunks: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const item of list) {
    if (current.length > 0 && bytes + item.length > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
