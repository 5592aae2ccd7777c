/** Small, bounded helpers over asn1js / pkijs. Browser-safe: no Node built-ins. */
import * as asn1js from 'asn1js';
import { TimestampError, type TimestampErrorCode } from './errors.js';

/** Hash algorithms this package computes and accepts. */
export type HashAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['SHA-256', 'SHA-384', 'SHA-512'];

export const HASH_OIDS: Readonly<Record<HashAlgorithm, string>> = {
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};

export const HASH_LENGTHS: Readonly<Record<HashAlgorithm, number>> = {
  'SHA-256': 32,
  'SHA-384': 48,
  'SHA-512': 64,
};

export const OID_SHA1 = '1.3.14.3.2.26';
export const OID_SIGNED_DATA = '1.2.840.113549.1.7.2';
export const OID_TST_INFO = '1.2.840.113549.1.9.16.1.4';
export const OID_CONTENT_TYPE = '1.2.840.113549.1.9.3';
export const OID_MESSAGE_DIGEST = '1.2.840.113549.1.9.4';
export const OID_SIGNING_CERTIFICATE = '1.2.840.113549.1.9.16.2.12';
export const OID_SIGNING_CERTIFICATE_V2 = '1.2.840.113549.1.9.16.2.47';
export const OID_KP_TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
export const OID_EXT_KEY_USAGE = '2.5.29.37';
export const OID_KEY_USAGE = '2.5.29.15';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';

/** The hash algorithm named by an OID, or undefined if it is not one of ours. */
export function hashAlgorithmByOid(oid: string): HashAlgorithm | undefined {
  return HASH_ALGORITHMS.find((h) => HASH_OIDS[h] === oid);
}

export function isHashAlgorithm(value: unknown): value is HashAlgorithm {
  return typeof value === 'string' && (HASH_ALGORITHMS as readonly string[]).includes(value);
}

export async function digest(
  algorithm: HashAlgorithm | 'SHA-1',
  data: Uint8Array,
): Promise<Uint8Array> {
  return new Uint8Array(
    await globalThis.crypto.subtle.digest(algorithm, data as Uint8Array<ArrayBuffer>),
  );
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function toBytes(buffer: ArrayBuffer | ArrayBufferView): Uint8Array {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

/**
 * Parses exactly one BER element from `bytes` (no trailing data) after checking `maxSize`.
 * Throws TimestampError(`code`, default MALFORMED) on any failure.
 */
export function parseAsn1(
  bytes: Uint8Array,
  what: string,
  maxSize: number,
  code: TimestampErrorCode = 'MALFORMED',
): asn1js.AsnType {
  if (!(bytes instanceof Uint8Array)) {
    throw new TimestampError('INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  }
  if (bytes.length === 0) throw new TimestampError(code, `${what} is empty`);
  if (bytes.length > maxSize) {
    throw new TimestampError(code, `${what} is ${bytes.length} bytes, over the ${maxSize} limit`);
  }
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(bytes);
  } catch (cause) {
    throw new TimestampError(code, `${what} is not valid BER`, { cause });
  }
  if (parsed.offset === -1 || parsed.result.error) {
    throw new TimestampError(code, `${what} is not valid BER: ${parsed.result.error || 'error'}`);
  }
  if (parsed.offset !== bytes.length) {
    throw new TimestampError(code, `${what} has ${bytes.length - parsed.offset} trailing bytes`);
  }
  return parsed.result;
}

/** Builds a pkijs object from a parsed ASN.1 tree, mapping every failure to `code`. */
export function fromSchema<T>(
  make: (schema: asn1js.AsnType) => T,
  schema: asn1js.AsnType,
  what: string,
  code: TimestampErrorCode = 'MALFORMED',
): T {
  try {
    return make(schema);
  } catch (cause) {
    throw new TimestampError(code, `${what} does not match its ASN.1 schema`, { cause });
  }
}

/** Unsigned big-endian bytes to a bigint. */
export function bytesToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

/** The value of an ASN.1 INTEGER (two's complement). */
export function integerToBigint(value: asn1js.Integer): bigint {
  const bytes = value.valueBlock.valueHexView;
  if (bytes.length === 0) return 0n;
  let n = bytesToBigint(bytes);
  if (bytes[0]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n;
}

/** A non-negative bigint as an ASN.1 INTEGER in minimal two's complement form. */
export function bigintToInteger(value: bigint): asn1js.Integer {
  if (value < 0n) throw new TimestampError('INVALID_ARGUMENT', 'integer must not be negative');
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = '00' + hex;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return new asn1js.Integer({ valueHex: bytes });
}

const OID_PATTERN = /^[0-2](\.(0|[1-9][0-9]*))+$/;

export function isOid(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 200 && OID_PATTERN.test(value);
}

/** Algorithm parameters must be absent or NULL for the SHA-2 family (RFC 5754 §2). */
export function hasNullOrAbsentParams(params: unknown): boolean {
  return params === undefined || params === null || params instanceof asn1js.Null;
}
