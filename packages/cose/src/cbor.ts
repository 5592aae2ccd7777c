/**
 * The CBOR data model this package decodes to and encodes from (RFC 8949 §2), restricted to
 * what COSE uses: integers (a JS number when it is a safe integer, else a bigint; the full
 * range -2^64 .. 2^64-1), byte strings, UTF-8 text strings, arrays, maps, tags, false, true,
 * null and undefined. Floating-point values and other simple values are not part of it.
 */
export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | undefined
  | readonly CborValue[]
  | CborMap
  | CborTag;

/** A tagged item (major type 6): tag number and content, kept as decoded (RFC 8949 §3.4). */
export class CborTag {
  constructor(
    readonly tag: number | bigint,
    readonly value: CborValue,
  ) {}
}

/**
 * A map (major type 5) as its entries in encoded order. The decoder guarantees no two keys
 * have the same encoding; the encoder sorts entries (RFC 8949 §4.2.1) and refuses duplicates.
 */
export class CborMap {
  readonly entries: readonly (readonly [CborValue, CborValue])[];

  constructor(entries: readonly (readonly [CborValue, CborValue])[]) {
    this.entries = entries;
  }

  /** The value of the entry whose key is the integer or text `label`, else undefined. */
  get(label: number | string): CborValue | undefined {
    for (const [k, v] of this.entries) if (k === label) return v;
    return undefined;
  }

  has(label: number | string): boolean {
    return this.entries.some(([k]) => k === label);
  }

  /** The keys in encoded order. */
  keys(): CborValue[] {
    return this.entries.map(([k]) => k);
  }
}

/** A COSE label (RFC 9052 §1.5): an integer or a text string. */
export type Label = number | string;

/** True for a COSE label: a safe integer or a text string. */
export function isLabel(value: CborValue): value is Label {
  return typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
}
