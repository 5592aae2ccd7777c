import { CborMap, CborTag, type CborValue } from './cbor.js';
import { CoseError } from './errors.js';

/** Bounds of one decode call; every input is checked against them before work is done. */
export interface CborLimits {
  /** Largest accepted input, in bytes. */
  readonly maxBytes: number;
  /** Deepest nesting of arrays, maps and tags (the top item is depth 1). */
  readonly maxDepth: number;
  /** Most data items in total (array elements, map keys and values, tag contents). */
  readonly maxItems: number;
}

/** 1 MiB, 16 levels, 65 536 items: ample for COSE receipts, statements and key sets. */
export const DEFAULT_CBOR_LIMITS: CborLimits = {
  maxBytes: 1 << 20,
  maxDepth: 16,
  maxItems: 65_536,
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(message: string, offset: number): CoseError {
  return new CoseError('MALFORMED_CBOR', message, { details: { offset } });
}

/**
 * Decodes exactly one CBOR data item (RFC 8949) from untrusted `bytes`, strictly:
 * - definite lengths only (indefinite lengths and the break code are refused);
 * - every head in shortest form (RFC 8949 §4.2.1 preferred serialization of integers and
 *   lengths; the COSE vectors this project checks all use it);
 * - no duplicate map keys (compared by their encoding, which shortest form makes unique);
 *   key order is not checked, since published receipts do not sort their header maps;
 * - text strings valid UTF-8; no floats, no simple values but false, true, null, undefined;
 * - a length is checked against the bytes that remain before anything is allocated, so a
 *   2^64 length fails at once; an array or map count likewise (each item takes a byte);
 * - no trailing bytes; tags are kept as {@link CborTag} without interpreting them.
 * Throws CoseError MALFORMED_CBOR (with `details.offset`) or CBOR_LIMIT; nothing else for
 * any input, and recursion is bounded by `maxDepth`.
 */
export function decodeCbor(bytes: Uint8Array, limits: Partial<CborLimits> = {}): CborValue {
  if (!(bytes instanceof Uint8Array)) {
    throw new CoseError('INVALID_ARGUMENT', 'CBOR input must be a Uint8Array');
  }
  const bounds = { ...DEFAULT_CBOR_LIMITS, ...limits };
  if (bytes.length > bounds.maxBytes) {
    throw new CoseError('CBOR_LIMIT', `input of ${bytes.length} bytes exceeds ${bounds.maxBytes}`);
  }
  const reader = new Reader(bytes, bounds);
  const value = reader.item(1);
  if (reader.pos !== bytes.length) {
    throw malformed(`${bytes.length - reader.pos} trailing bytes after the item`, reader.pos);
  }
  return value;
}

class Reader {
  pos = 0;
  private items = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: CborLimits,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number, start: number): void {
    if (n > this.bytes.length - this.pos) throw malformed('truncated item', start);
  }

  /** Major type, additional information and argument of the head at `pos` (RFC 8949 §3). */
  private head(): { major: number; ai: number; arg: number | bigint; start: number } {
    const start = this.pos;
    this.need(1, start);
    const initial = this.bytes[this.pos++] as number;
    const major = initial >> 5;
    const ai = initial & 0x1f;
    if (ai < 24) return { major, ai, arg: ai, start };
    if (ai === 31) throw malformed('indefinite length or break is not accepted', start);
    if (ai > 27) throw malformed(`reserved additional information ${ai}`, start);
    if (major === 7) throw malformed('floats and extended simple values are not accepted', start);
    const size = 1 << (ai - 24);
    this.need(size, start);
    let arg: number | bigint;
    let min: number;
    if (size === 1) [arg, min] = [this.view.getUint8(this.pos), 24];
    else if (size === 2) [arg, min] = [this.view.getUint16(this.pos), 0x100];
    else if (size === 4) [arg, min] = [this.view.getUint32(this.pos), 0x10000];
    else {
      const big = this.view.getBigUint64(this.pos);
      arg = big <= MAX_SAFE ? Number(big) : big;
      min = 0x100000000;
    }
    this.pos += size;
    if (arg < min) throw malformed('integer or length not in shortest form', start);
    return { major, ai, arg, start };
  }

  /** The argument as a length or count that fits in what remains (`unit` bytes per item). */
  private length(arg: number | bigint, unit: number, start: number): number {
    const remaining = this.bytes.length - this.pos;
    if (typeof arg === 'bigint' || arg * unit > remaining) {
      throw malformed(`length ${String(arg)} exceeds the ${remaining} remaining bytes`, start);
    }
    return arg;
  }

  private count(n: number, start: number): void {
    this.items += n;
    if (this.items > this.limits.maxItems) {
      throw new CoseError('CBOR_LIMIT', `more than ${this.limits.maxItems} items`, {
        details: { offset: start },
      });
    }
  }

  item(depth: number): CborValue {
    const { major, ai, arg, start } = this.head();
    switch (major) {
      case 0:
        return arg;
      case 1:
        return typeof arg === 'bigint' || arg === Number.MAX_SAFE_INTEGER
          ? -1n - BigInt(arg)
          : -1 - arg;
      case 2: {
        const n = this.length(arg, 1, start);
        const out = this.bytes.slice(this.pos, this.pos + n);
        this.pos += n;
        return out;
      }
      case 3: {
        const n = this.length(arg, 1, start);
        const raw = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        try {
          return utf8.decode(raw);
        } catch (cause) {
          throw new CoseError('MALFORMED_CBOR', 'text string is not valid UTF-8', {
            cause,
            details: { offset: start },
          });
        }
      }
      case 4:
      case 5:
        return this.container(major, arg, depth, start);
      case 6: {
        this.enter(depth, start);
        this.count(1, start);
        return new CborTag(arg, this.item(depth + 1));
      }
      default:
        return simple(ai, start);
    }
  }

  private enter(depth: number, start: number): void {
    if (depth > this.limits.maxDepth) {
      throw new CoseError('CBOR_LIMIT', `nesting deeper than ${this.limits.maxDepth}`, {
        details: { offset: start },
      });
    }
  }

  private container(major: number, arg: number | bigint, depth: number, start: number): CborValue {
    this.enter(depth, start);
    const isMap = major === 5;
    const n = this.length(arg, isMap ? 2 : 1, start);
    this.count(isMap ? 2 * n : n, start);
    if (!isMap) {
      const out: CborValue[] = [];
      for (let i = 0; i < n; i++) out.push(this.item(depth + 1));
      return out;
    }
    const seen = new Set<string>();
    const entries: [CborValue, CborValue][] = [];
    for (let i = 0; i < n; i++) {
      const keyStart = this.pos;
      const key = this.item(depth + 1);
      const encoded = latin1(this.bytes.subarray(keyStart, this.pos));
      if (seen.has(encoded)) throw malformed('duplicate map key', keyStart);
      seen.add(encoded);
      entries.push([key, this.item(depth + 1)]);
    }
    return new CborMap(entries);
  }
}

function simple(ai: number, start: number): CborValue {
  switch (ai) {
    case 20:
      return false;
    case 21:
      return true;
    case 22:
      return null;
    case 23:
      return undefined;
    default:
      throw malformed(`unassigned simple value ${ai}`, start);
  }
}

/** The bytes as a string of char codes 0-255, in chunks (keys may be long). */
function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}
