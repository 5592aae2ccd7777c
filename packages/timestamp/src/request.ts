/** RFC 3161 §2.4.1 TimeStampReq: building and (bounded) parsing. Browser-safe. */
import * as asn1js from 'asn1js';
import { AlgorithmIdentifier, MessageImprint, TimeStampReq } from 'pkijs';
import {
  HASH_LENGTHS,
  HASH_OIDS,
  bigintToInteger,
  bytesToBigint,
  digest,
  fromSchema,
  hasNullOrAbsentParams,
  hashAlgorithmByOid,
  integerToBigint,
  isHashAlgorithm,
  isOid,
  parseAsn1,
  toBytes,
  type HashAlgorithm,
} from './asn1.js';
import { TimestampError } from './errors.js';

/** The largest TimeStampReq parseRequest accepts (a SHA-512 request is about 100 bytes). */
export const MAX_REQUEST_SIZE = 4096;

/** The largest nonce accepted, in bytes (RFC 3161 suggests 64 bits; allow up to 256 bits). */
export const MAX_NONCE_BYTES = 32;

export interface CreateRequestOptions {
  /** Hash algorithm of the message imprint. Default SHA-256. */
  readonly hashAlgorithm?: HashAlgorithm;
  /**
   * The request nonce: a non-negative bigint, or unsigned big-endian bytes. Default: 64 fresh
   * random bits. Pass `null` to send no nonce (not recommended).
   */
  readonly nonce?: bigint | Uint8Array | null;
  /** Ask the TSA to include its certificate in the token (RFC 3161 certReq). Default true. */
  readonly certReq?: boolean;
  /** The TSA policy OID to request (reqPolicy), e.g. "1.2.3.4.1". */
  readonly policy?: string;
}

export interface TimestampRequest {
  /** The DER TimeStampReq, ready to POST as application/timestamp-query. */
  readonly der: Uint8Array;
  /** The nonce sent, to hand to verifyResponse; undefined when none was sent. */
  readonly nonce: bigint | undefined;
  readonly hashAlgorithm: HashAlgorithm;
  /** hash(data): the hashedMessage of the messageImprint. */
  readonly hashedMessage: Uint8Array;
}

export interface ParsedRequest {
  readonly hashAlgorithm: HashAlgorithm;
  readonly hashedMessage: Uint8Array;
  readonly nonce: bigint | undefined;
  readonly certReq: boolean;
  readonly policy: string | undefined;
}

/** Normalises a nonce option to a non-negative bigint of at most MAX_NONCE_BYTES bytes. */
export function normalizeNonce(nonce: bigint | Uint8Array, what = 'nonce'): bigint {
  let value: bigint;
  if (typeof nonce === 'bigint') {
    value = nonce;
  } else if (nonce instanceof Uint8Array) {
    if (nonce.length === 0 || nonce.length > MAX_NONCE_BYTES) {
      throw new TimestampError('INVALID_ARGUMENT', `${what} must be 1..${MAX_NONCE_BYTES} bytes`);
    }
    value = bytesToBigint(nonce);
  } else {
    throw new TimestampError('INVALID_ARGUMENT', `${what} must be a bigint or a Uint8Array`);
  }
  if (value < 0n || value >= 1n << BigInt(MAX_NONCE_BYTES * 8)) {
    throw new TimestampError('INVALID_ARGUMENT', `${what} is out of range`);
  }
  return value;
}

function randomNonce(): bigint {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return bytesToBigint(bytes);
}

/** Builds a TimeStampReq whose messageImprint is `hashAlgorithm(data)`. */
export async function createRequest(
  data: Uint8Array,
  options: CreateRequestOptions = {},
): Promise<TimestampRequest> {
  if (!(data instanceof Uint8Array)) {
    throw new TimestampError('INVALID_ARGUMENT', 'data must be a Uint8Array');
  }
  const hashAlgorithm = options.hashAlgorithm ?? 'SHA-256';
  if (!isHashAlgorithm(hashAlgorithm)) {
    throw new TimestampError('INVALID_ARGUMENT', `unsupported hash algorithm ${hashAlgorithm}`);
  }
  if (options.policy !== undefined && !isOid(options.policy)) {
    throw new TimestampError('INVALID_ARGUMENT', 'policy must be a dotted OID');
  }
  const nonce =
    options.nonce === null
      ? undefined
      : options.nonce === undefined
        ? randomNonce()
        : normalizeNonce(options.nonce);
  const hashedMessage = await digest(hashAlgorithm, data);
  const request = new TimeStampReq({
    version: 1,
    messageImprint: new MessageImprint({
      // RFC 5754 §2: SHA-2 AlgorithmIdentifier parameters SHOULD be absent.
      hashAlgorithm: new AlgorithmIdentifier({ algorithmId: HASH_OIDS[hashAlgorithm] }),
      hashedMessage: new asn1js.OctetString({ valueHex: hashedMessage }),
    }),
    certReq: options.certReq ?? true,
    ...(options.policy !== undefined ? { reqPolicy: options.policy } : {}),
    ...(nonce !== undefined ? { nonce: bigintToInteger(nonce) } : {}),
  });
  const der = toBytes(request.toSchema().toBER(false));
  return { der, nonce, hashAlgorithm, hashedMessage };
}

/**
 * Parses a DER TimeStampReq (e.g. one from `openssl ts -query`), as a TSA would. Bounded:
 * at most MAX_REQUEST_SIZE bytes. Throws TimestampError MALFORMED on bad input and
 * HASH_ALGORITHM_NOT_ALLOWED for an imprint hash other than SHA-256/384/512.
 */
export function parseRequest(der: Uint8Array): ParsedRequest {
  const schema = parseAsn1(der, 'TimeStampReq', MAX_REQUEST_SIZE);
  const request = fromSchema((s) => new TimeStampReq({ schema: s }), schema, 'TimeStampReq');
  if (request.version !== 1) throw new TimestampError('MALFORMED', 'TimeStampReq version not 1');
  const imprint = request.messageImprint;
  const hashAlgorithm = hashAlgorithmByOid(imprint.hashAlgorithm.algorithmId);
  if (!hashAlgorithm || !hasNullOrAbsentParams(imprint.hashAlgorithm.algorithmParams)) {
    throw new TimestampError(
      'HASH_ALGORITHM_NOT_ALLOWED',
      `message imprint hash algorithm ${imprint.hashAlgorithm.algorithmId} is not allowed`,
    );
  }
  const hashedMessage = new Uint8Array(imprint.hashedMessage.valueBlock.valueHexView);
  if (hashedMessage.length !== HASH_LENGTHS[hashAlgorithm]) {
    throw new TimestampError('MALFORMED', 'hashedMessage has the wrong length');
  }
  return {
    hashAlgorithm,
    hashedMessage,
    nonce: request.nonce ? integerToBigint(request.nonce) : undefined,
    certReq: request.certReq ?? false,
    policy: request.reqPolicy,
  };
}
