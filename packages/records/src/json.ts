import { exceedsUtf8Size } from '@proofline/note';
import { RecordError, pointer, type RecordErrorCode } from './errors.js';

/** A container being scanned by findDuplicateName and where the scan is in it. */
interface Frame {
  /** The enclosing container, and this one's member name or index in it. */
  readonly parent: Frame | undefined;
  readonly key: string | number;
  /** Member names seen so far; null for an array. */
  readonly names: Set<string> | null;
  /** The current member name, or the current array index. */
  current: string | number;
}

/** The JSON pointer of `frame`'s container (built only to report a duplicate). */
function framePointer(frame: Frame): string {
  const keys: (string | number)[] = [];
  for (let f = frame; f.parent !== undefined; f = f.parent) keys.push(f.key);
  return keys.reduceRight<string>((path, key) => pointer(path, key), '');
}

/**
 * Index of the quote closing the JSON string that opens at `start`, in valid JSON text: the
 * first quote after it preceded by an even number of backslashes (an odd number escapes it).
 */
function stringEnd(text: string, start: number): number {
  let i = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return i;
    i = text.indexOf('"', i + 1);
  }
}

function skipWhitespace(text: string, start: number): number {
  let i = start;
  for (let c = text.charCodeAt(i); c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;) {
    c = text.charCodeAt(++i);
  }
  return i;
}

/**
 * The pointer of the first member whose name (after unescaping, so "a" equals "\u0061")
 * repeats an earlier name of the same object, in `text`, which must be valid JSON; undefined
 * when there is none. One linear scan, by code unit: " \ { } [ ] , : are 0x22 0x5c 0x7b 0x7d
 * 0x5b 0x5d 0x2c 0x3a.
 */
function findDuplicateName(text: string): string | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      const end = stringEnd(text, i);
      if (top?.names && text.charCodeAt(skipWhitespace(text, end + 1)) === 0x3a) {
        const raw = text.slice(i + 1, end);
        // Without a backslash, the JSON string is its characters as they stand.
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (top.names.has(name)) return pointer(framePointer(top), name);
        top.names.add(name);
        top.current = name;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      stack.push({
        parent: top,
        key: top === undefined ? '' : top.current,
        names: c === 0x7b ? new Set() : null,
        current: 0,
      });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c && top !== undefined && top.names === null) {
      top.current = (top.current as number) + 1;
    }
  }
  return undefined;
}

/**
 * Parses JSON `text` of at most `maxBytes` bytes of UTF-8 (checked before parsing), rejecting
 * any object with a repeated member name (RFC 8259 §4 leaves them undefined; JSON.parse would
 * silently keep the last). Throws RecordError `code`.
 */
export function parseJson(text: unknown, maxBytes: number, code: RecordErrorCode): unknown {
  if (typeof text !== 'string') throw new RecordError(code, 'JSON text must be a string');
  if (exceedsUtf8Size(text, maxBytes)) {
    throw new RecordError(code, `JSON text exceeds ${maxBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RecordError(code, 'not valid JSON', { cause });
  }
  const duplicate = findDuplicateName(text);
  if (duplicate !== undefined) {
    throw new RecordError(code, 'duplicate member name', { field: duplicate });
  }
  return value;
}

/** A JSON object: a non-array object whose prototype is Object.prototype or null. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** Whether `value` is a plain object (as JSON.parse makes them), not an array or class instance. */
export function isJsonObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The first `limit` own enumerable string-keyed properties of `obj` (in Object.keys order),
 * and whether there are more; no property after those is read or validated. Properties whose
 * value is `undefined` are skipped (as JSON.stringify does); a getter is rejected (RecordError
 * `code` at `field`/key) rather than run.
 */
export function ownEntries(
  obj: JsonObject,
  limit: number,
  code: RecordErrorCode,
  field: string,
): { entries: [string, unknown][]; more: boolean } {
  const entries: [string, unknown][] = [];
  for (const key in obj) {
    const descriptor = Object.getOwnPropertyDescriptor(obj, key);
    if (descriptor === undefined) continue;
    if (!('value' in descriptor)) {
      throw new RecordError(code, 'must be a data property', { field: pointer(field, key) });
    }
    if (descriptor.value === undefined) continue;
    if (entries.length === limit) return { entries, more: true };
    entries.push([key, descriptor.value]);
  }
  return { entries, more: false };
}

/**
 * The items of `array`, read through property descriptors so that no getter runs (RecordError
 * `code` at `field`/index). The caller bounds the length first.
 */
export function arrayItems(
  array: readonly unknown[],
  code: RecordErrorCode,
  field: string,
): unknown[] {
  const items: unknown[] = [];
  for (let i = 0; i < array.length; i++) {
    const descriptor = Object.getOwnPropertyDescriptor(array, i);
    if (descriptor !== undefined && !('value' in descriptor)) {
      throw new RecordError(code, 'must be a data property', { field: pointer(field, i) });
    }
    items.push(descriptor?.value);
  }
  return items;
}
