import { base64Decode } from '@proofline/note';
import { lookupKeyOf } from './digest.js';
import type { PackedStatements } from './packed-statements.js';
import {
  COMMITMENT_LENGTH,
  COMMITMENT_PATTERN,
  CONTROL_PATTERN,
  LABEL_NAME_PATTERN,
  MAX_CONTROLS,
  MAX_MAP_ENTRIES,
  MAX_NAME_LENGTH,
  MAX_TEXT,
  MAX_TYPE_LENGTH,
  SIGNATURE_BASE64_LENGTH,
  SIGNATURE_SIZE,
  STATEMENT_FIELDS,
  STATEMENT_TYPE_PATTERN,
  splitIssuerKey,
} from './statement.js';
import { textProblem } from './text.js';

/** Whether `s` is a string of at most `max` code units matching `pattern` (statement.ts). */
function matches(s: unknown, pattern: RegExp, max: number): s is string {
  return typeof s === 'string' && s.length <= max && pattern.test(s);
}

/**
 * The own enumerable data members of a JSON object `obj` (isJsonObject) as readStatement's
 * ownEntries sees them, members whose value is undefined skipped, into `names`/`values`;
 * their count, or -1 when `obj` is not such an object, has an accessor or more than `max`.
 */
function members(obj: unknown, max: number, names: string[], values: unknown[]): number {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return -1;
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) return -1;
  let n = 0;
  for (const key in obj) {
    const d = Object.getOwnPropertyDescriptor(obj, key);
    if (d === undefined) continue;
    if (!('value' in d)) return -1;
    if (d.value === undefined) continue;
    if (n === max) return -1;
    names[n] = key;
    values[n++] = d.value;
  }
  return n;
}

/**
 * Validates parsed statements as parseStatement does and packs the valid ones as
 * packStatements documents, straight into one growing buffer: no Statement objects, no
 * intermediate strings for the common members. Also keeps each statement's digestLookupKey.
 */
export class StatementPacker {
  private buffer: Uint8Array;
  private at = 1;
  private count = 0;
  private readonly offsets: Uint32Array;
  /** digestLookupKey of each packed statement's digest. */
  readonly keys: Float64Array;
  /** Scratch for members(), reused. */
  private readonly names: string[] = [];
  private readonly values: unknown[] = [];

  /** A packer for at most `capacity` statements. */
  constructor(capacity: number) {
    this.offsets = new Uint32Array(4 * capacity);
    this.keys = new Float64Array(capacity);
    // About a small statement's size each; grown as needed.
    this.buffer = new Uint8Array(128 * capacity + 16);
    this.buffer[0] = 0x5b; // [
  }

  /**
   * Packs `value` when parseStatement would accept it, and says so; false (nothing packed)
   * when parseStatement would refuse it (it words the refusal).
   */
  add(value: unknown): boolean {
    const start = this.at;
    if (this.pack(value)) return true;
    this.at = start;
    return false;
  }

  /** The packing of the statements added. */
  finish(): PackedStatements {
    this.ensure(1);
    this.buffer[this.at++] = 0x5d; // ]
    const full = this.count === this.keys.length;
    return {
      bytes: this.buffer.slice(0, this.at),
      offsets: full ? this.offsets : this.offsets.slice(0, 4 * this.count),
    };
  }

  private pack(value: unknown): boolean {
    const i = this.count;
    if (i === this.keys.length) return false;
    const names = this.names;
    const values = this.values;
    const n = members(value, STATEMENT_FIELDS.length, names, values);
    if (n < 0) return false;
    let digest, type, subject, labels, commitments, controls, issuer: unknown;
    for (let m = 0; m < n; m++) {
      const v = values[m];
      switch (names[m]) {
        case 'digest':
          digest = v;
          break;
        case 'type':
          type = v;
          break;
        case 'subject':
          subject = v;
          break;
        case 'labels':
          labels = v;
          break;
        case 'commitments':
          commitments = v;
          break;
        case 'controls':
          controls = v;
          break;
        case 'issuer':
          issuer = v;
          break;
        default:
          return false;
      }
    }
    const key = lookupKeyOf(digest);
    if (key === undefined || !matches(type, STATEMENT_TYPE_PATTERN, MAX_TYPE_LENGTH)) return false;
    if (subject !== undefined && !(typeof subject === 'string' && isText(subject, 1))) {
      return false;
    }
    this.ensure(2);
    if (i > 0) this.buffer[this.at++] = 0x2c; // ,
    this.buffer[this.at++] = 0x7b; // {
    this.offsets[4 * i] = this.at;
    if (commitments !== undefined && !this.map(commitments, '"commitments":{', true)) return false;
    if (controls !== undefined && !this.controls(controls)) return false;
    this.ascii(commitments === undefined && controls === undefined ? '"digest":' : ',"digest":');
    this.quoted(digest as string);
    if (issuer !== undefined && !this.issuer(issuer)) return false;
    if (labels !== undefined && !this.map(labels, ',"labels":{', false)) return false;
    this.offsets[4 * i + 1] = this.at;
    if (subject !== undefined) {
      this.ascii(',"subject":');
      this.string(subject as string);
    }
    this.offsets[4 * i + 2] = this.at;
    this.ascii(',"type":');
    this.quoted(type as string);
    this.offsets[4 * i + 3] = this.at;
    this.ensure(1);
    this.buffer[this.at++] = 0x7d; // }
    this.keys[i] = key;
    this.count++;
    return true;
  }

  /**
   * `labels` (text values) or `commitments` (sha256 digests) after `member` (its name, `:`
   * and `{`), names sorted (RFC 8785).
   */
  private map(value: unknown, member: string, commitment: boolean): boolean {
    const names: string[] = [];
    const values: unknown[] = [];
    const n = members(value, MAX_MAP_ENTRIES, names, values);
    if (n < 0) return false;
    const order = Array.from({ length: n }, (_, k) => k);
    for (let k = 0; k < n; k++) {
      const v = values[k];
      if (!matches(names[k], LABEL_NAME_PATTERN, MAX_NAME_LENGTH)) return false;
      if (
        commitment
          ? !matches(v, COMMITMENT_PATTERN, COMMITMENT_LENGTH)
          : !(typeof v === 'string' && isText(v, 0))
      ) {
        return false;
      }
    }
    // Names are ASCII, so comparing strings compares UTF-16 code units as RFC 8785 asks.
    order.sort((a, b) => (names[a]! < names[b]! ? -1 : 1));
    this.ascii(member);
    for (let k = 0; k < n; k++) {
      if (k > 0) this.ascii(',');
      this.quoted(names[order[k]!]!);
      this.ascii(':');
      if (commitment) this.quoted(values[order[k]!] as string);
      else this.string(values[order[k]!] as string);
    }
    this.ascii('}');
    return true;
  }

  private controls(value: unknown): boolean {
    if (!Array.isArray(value) || value.length === 0 || value.length > MAX_CONTROLS) return false;
    this.ascii(this.at === this.offsets[4 * this.count] ? '"controls":[' : ',"controls":[');
    for (let k = 0; k < value.length; k++) {
      const d = Object.getOwnPropertyDescriptor(value, k);
      if (d === undefined || !('value' in d) || !matches(d.value, CONTROL_PATTERN, MAX_NAME_LENGTH))
        return false;
      // Items before k are data properties (read above): reading them runs no getter.
      for (let j = 0; j < k; j++) if (value[j] === d.value) return false;
      if (k > 0) this.ascii(',');
      this.quoted(d.value);
    }
    this.ascii(']');
    return true;
  }

  private issuer(value: unknown): boolean {
    const names: string[] = [];
    const values: unknown[] = [];
    const n = members(value, 3, names, values);
    if (n < 0) return false;
    let key, sig: unknown;
    for (let k = 0; k < n; k++) {
      if (names[k] === 'key') key = values[k];
      else if (names[k] === 'sig') sig = values[k];
      else return false;
    }
    if (typeof key !== 'string' || splitIssuerKey(key) === undefined) return false;
    if (typeof sig !== 'string' || sig.length > SIGNATURE_BASE64_LENGTH) return false;
    try {
      if (base64Decode(sig).length !== SIGNATURE_SIZE) return false;
    } catch {
      return false;
    }
    this.ascii(',"issuer":{"key":');
    this.string(key);
    this.ascii(',"sig":');
    this.string(sig);
    this.ascii('}');
    return true;
  }

  /** Room for `n` more bytes. */
  private ensure(n: number): void {
    if (this.at + n <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(2 * this.buffer.length, this.at + n));
    grown.set(this.buffer.subarray(0, this.at));
    this.buffer = grown;
  }

  /** Writes `"s"` for `s` validated as ASCII without `"` or `\\` (digests, names). */
  private quoted(s: string): void {
    this.ensure(s.length + 2);
    const b = this.buffer;
    let at = this.at;
    b[at++] = 0x22;
    for (let k = 0; k < s.length; k++) b[at++] = s.charCodeAt(k);
    b[at++] = 0x22;
    this.at = at;
  }

  /** Writes ASCII `s` as is. */
  private ascii(s: string): void {
    this.ensure(s.length);
    for (let k = 0; k < s.length; k++) this.buffer[this.at++] = s.charCodeAt(k);
  }

  /**
   * Writes the UTF-8 of JSON.stringify(s), for `s` validated: free of control characters and
   * lone surrogates, so only `"` and `\` are escaped.
   */
  private string(s: string): void {
    this.ensure(3 * s.length + 2);
    const b = this.buffer;
    let at = this.at;
    b[at++] = 0x22;
    for (let k = 0; k < s.length; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x80) {
        if (c === 0x22 || c === 0x5c) b[at++] = 0x5c;
        b[at++] = c;
      } else if (c < 0x800) {
        b[at++] = 0xc0 | (c >> 6);
        b[at++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdbff) {
        const p = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++k) - 0xdc00);
        b[at++] = 0xf0 | (p >> 18);
        b[at++] = 0x80 | ((p >> 12) & 0x3f);
        b[at++] = 0x80 | ((p >> 6) & 0x3f);
        b[at++] = 0x80 | (p & 0x3f);
      } else {
        b[at++] = 0xe0 | (c >> 12);
        b[at++] = 0x80 | ((c >> 6) & 0x3f);
        b[at++] = 0x80 | (c & 0x3f);
      }
    }
    b[at++] = 0x22;
    this.at = at;
  }
}

/** Whether `s` is statement text of `min`..MAX_TEXT code points (textProblem). */
function isText(s: string, min: number): boolean {
  return textProblem(s, min, MAX_TEXT) === undefined;
}
