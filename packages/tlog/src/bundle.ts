import { TlogError } from './errors.js';
import { TILE_WIDTH } from './tile.js';

/** Entries are prefixed by a big-endian uint16 length, so at most 65535 bytes each. */
const MAX_ENTRY_SIZE = 0xffff;

/**
 * C2SP tlog-tiles entry bundle: the concatenation of len(e) as a big-endian uint16 followed
 * by e, for each of 1..256 entries. Throws TlogError INVALID_ARGUMENT.
 */
export function encodeEntryBundle(entries: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > TILE_WIDTH) {
    throw new TlogError('INVALID_ARGUMENT', `an entry bundle holds 1..${TILE_WIDTH} entries`);
  }
  let total = 0;
  for (const [i, entry] of entries.entries()) {
    if (!(entry instanceof Uint8Array) || entry.length > MAX_ENTRY_SIZE) {
      throw new TlogError(
        'INVALID_ARGUMENT',
        `entry ${i} must be a Uint8Array of at most ${MAX_ENTRY_SIZE} bytes`,
      );
    }
    total += 2 + entry.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const entry of entries) {
    out[offset] = entry.length >>> 8;
    out[offset + 1] = entry.length & 0xff;
    out.set(entry, offset + 2);
    offset += 2 + entry.length;
  }
  return out;
}

/**
 * Decodes an entry bundle (see {@link encodeEntryBundle}) into copies of its 1..256 entries.
 * Throws TlogError BAD_ENTRY_BUNDLE on truncation, trailing bytes, no entries or more than 256.
 */
export function decodeEntryBundle(data: Uint8Array): Uint8Array[] {
  if (!(data instanceof Uint8Array) || data.length === 0) {
    throw new TlogError('BAD_ENTRY_BUNDLE', 'an entry bundle is a non-empty Uint8Array');
  }
  const entries: Uint8Array[] = [];
  let offset = 0;
  while (offset < data.length) {
    if (entries.length === TILE_WIDTH) {
      throw new TlogError('BAD_ENTRY_BUNDLE', `more than ${TILE_WIDTH} entries`);
    }
    if (offset + 2 > data.length) {
      throw new TlogError('BAD_ENTRY_BUNDLE', `truncated length prefix at byte ${offset}`);
    }
    const length = ((data[offset] as number) << 8) | (data[offset + 1] as number);
    const end = offset + 2 + length;
    if (end > data.length) {
      throw new TlogError('BAD_ENTRY_BUNDLE', `entry ${entries.length} is truncated`);
    }
    entries.push(data.slice(offset + 2, end));
    offset = end;
  }
  return entries;
}
