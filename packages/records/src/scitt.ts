import { sha256 } from '@noble/hashes/sha2.js';
import {
  ALG_EDDSA,
  ALG_ES256,
  CWT_ISS,
  CWT_SUB,
  CborMap,
  HEADER_CONTENT_TYPE,
  HEADER_CWT_CLAIMS,
  HEADER_KID,
  HEADER_ALG,
  HEADER_PAYLOAD_HASH_ALG,
  HEADER_PAYLOAD_LOCATION,
  HEADER_PREIMAGE_CONTENT_TYPE,
  decodeSign1,
  registeredForm,
  type CborValue,
} from '@proofline/cose';
import { RecordError } from './errors.js';
import { parseStatement, type Statement } from './statement.js';
import { textProblem, toHex } from './text.js';

/**
 * SCITT signed statements (RFC 9943) as Proofline records (docs/scitt.md). A registered
 * signed statement is appended as an ordinary record whose statement is derived from the
 * signed statement alone, so anyone holding the statement can rebuild it and compare:
 *
 * - `digest`: "sha256:" + SHA-256 of the statement's registered form (`registeredForm`: the
 *   COSE_Sign1 with an empty unprotected header, tag 18; protected header, payload and
 *   signature byte for byte);
 * - `type`: SCITT_STATEMENT_TYPE (reserved: only registration writes it);
 * - `subject`: the CWT `sub` claim;
 * - `labels`: the issuer (`iss`), the key id (hex), the algorithm, and the content-type and
 *   hash-envelope headers (258, 259, 260) when present; nothing else.
 *
 * The record's `tenant` and `time` are the log's, as for every record.
 */

/** The record `type` of a registered signed statement. */
export const SCITT_STATEMENT_TYPE = 'scitt.signed-statement';

/** Hash-envelope headers: their home is @proofline/cose (signStatement makes them). */
export { HEADER_PAYLOAD_HASH_ALG, HEADER_PREIMAGE_CONTENT_TYPE, HEADER_PAYLOAD_LOCATION };

/** The label names a registered statement's record carries. */
export const SCITT_LABELS = {
  issuer: 'scitt.iss',
  kid: 'scitt.kid',
  alg: 'scitt.alg',
  contentType: 'scitt.content-type',
  payloadHashAlg: 'scitt.payload-hash-alg',
  preimageContentType: 'scitt.preimage-content-type',
  payloadLocation: 'scitt.payload-location',
} as const;

/** Bound on a signed statement's kid (bytes): its hex must fit a label value (256). */
const MAX_KID = 64;
/** Bound on claim and header texts: the statement text bound. */
const MAX_TEXT = 256;

/** What a signed statement's protected header says, as registration reads it. */
export interface SignedStatementClaims {
  /** EdDSA (-8) or ES256 (-7): the algorithms Proofline verifies. */
  readonly alg: number;
  /** The issuer key's id (protected `kid`, 1..64 bytes). */
  readonly kid: Uint8Array;
  /** CWT `iss`. */
  readonly issuer: string;
  /** CWT `sub`. */
  readonly subject: string;
  /** Protected content type (3), a media type or a CoAP content-format number as text. */
  readonly contentType?: string;
  readonly payloadHashAlg?: number;
  readonly preimageContentType?: string;
  readonly payloadLocation?: string;
}

function invalid(field: string, message: string): RecordError {
  return new RecordError('INVALID_STATEMENT', message, { field });
}

function text(value: CborValue | undefined, field: string, what: string): string {
  if (typeof value !== 'string') throw invalid(field, `${what} must be a text string`);
  const problem = textProblem(value, 1, MAX_TEXT);
  if (problem !== undefined) throw invalid(field, `${what} is ${problem}`);
  return value;
}

/** A content-type header value: text, or an unsigned CoAP content-format number. */
function contentType(value: CborValue, field: string): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535) {
    return String(value);
  }
  return text(value, field, 'a content type');
}

/**
 * Reads the claims registration needs from the PROTECTED header of a decoded signed
 * statement: alg -8 or -7, a bstr kid of 1..64 bytes, CWT claims (15) holding text `iss` and
 * `sub` (RFC 9943 Signed Statements carry both), optional content type and hash-envelope headers of
 * the right types. Throws RecordError INVALID_STATEMENT whose field names the header
 * (`/protected/<label>`), e.g. `/protected/15/2` for a missing subject.
 */
export function signedStatementClaims(header: CborMap): SignedStatementClaims {
  const alg = header.get(HEADER_ALG);
  if (alg !== ALG_EDDSA && alg !== ALG_ES256) {
    throw invalid('/protected/1', 'alg must be EdDSA (-8) or ES256 (-7), in the protected header');
  }
  const kid = header.get(HEADER_KID);
  if (!(kid instanceof Uint8Array) || kid.length === 0 || kid.length > MAX_KID) {
    throw invalid('/protected/4', `kid must be a byte string of 1..${MAX_KID} bytes`);
  }
  const claims = header.get(HEADER_CWT_CLAIMS);
  if (!(claims instanceof CborMap)) {
    throw invalid('/protected/15', 'CWT claims (15) with iss and sub are required');
  }
  const issuer = text(claims.get(CWT_ISS), '/protected/15/1', 'the iss claim');
  const subject = text(claims.get(CWT_SUB), '/protected/15/2', 'the sub claim');
  const result: {
    -readonly [K in keyof SignedStatementClaims]: SignedStatementClaims[K];
  } = { alg, kid, issuer, subject };
  const type = header.get(HEADER_CONTENT_TYPE);
  if (type !== undefined) result.contentType = contentType(type, '/protected/3');
  const hashAlg = header.get(HEADER_PAYLOAD_HASH_ALG);
  if (hashAlg !== undefined) {
    if (typeof hashAlg !== 'number' || !Number.isSafeInteger(hashAlg)) {
      throw invalid('/protected/258', 'payload-hash-alg must be an integer');
    }
    result.payloadHashAlg = hashAlg;
  }
  const preimage = header.get(HEADER_PREIMAGE_CONTENT_TYPE);
  if (preimage !== undefined) {
    result.preimageContentType = contentType(preimage, '/protected/259');
  }
  const location = header.get(HEADER_PAYLOAD_LOCATION);
  if (location !== undefined) {
    result.payloadLocation = text(location, '/protected/260', 'payload-location');
  }
  return result;
}

/** "sha256:" + hex SHA-256 of the statement's registered form (see the module comment). */
export function registeredStatementDigest(statement: Uint8Array): string {
  return `sha256:${toHex(sha256(registeredForm(statement)))}`;
}

/**
 * The Proofline statement a signed statement is registered as, with the claims it was read
 * from. The statement must be a COSE_Sign1 (CoseError from decodeSign1 otherwise) with an
 * attached payload (a detached one cannot be verified: INVALID_STATEMENT `/payload`) and the
 * protected header signedStatementClaims accepts. Does not verify the signature.
 */
export function scittRecordStatement(statement: Uint8Array): {
  readonly statement: Statement;
  readonly claims: SignedStatementClaims;
} {
  const sign1 = decodeSign1(statement);
  if (sign1.payload === null) {
    throw invalid('/payload', 'the payload must be attached (a hash envelope keeps it small)');
  }
  const claims = signedStatementClaims(sign1.protected);
  const labels: Record<string, string> = {
    [SCITT_LABELS.issuer]: claims.issuer,
    [SCITT_LABELS.kid]: toHex(claims.kid),
    [SCITT_LABELS.alg]: String(claims.alg),
  };
  if (claims.contentType !== undefined) labels[SCITT_LABELS.contentType] = claims.contentType;
  if (claims.payloadHashAlg !== undefined) {
    labels[SCITT_LABELS.payloadHashAlg] = String(claims.payloadHashAlg);
  }
  if (claims.preimageContentType !== undefined) {
    labels[SCITT_LABELS.preimageContentType] = claims.preimageContentType;
  }
  if (claims.payloadLocation !== undefined) {
    labels[SCITT_LABELS.payloadLocation] = claims.payloadLocation;
  }
  const record = parseStatement({
    digest: registeredStatementDigest(statement),
    type: SCITT_STATEMENT_TYPE,
    subject: claims.subject,
    labels,
  });
  return { statement: record, claims };
}

/**
 * Checks that `record` (a record's statement members) is the registration of the signed
 * `statement`: exactly the statement scittRecordStatement derives (digest, type, subject,
 * labels), and no commitments, controls or issuer. Throws RecordError STATEMENT_MISMATCH
 * naming the first member that differs, or scittRecordStatement's errors.
 */
export function checkScittRecord(record: Statement, statement: Uint8Array): void {
  const expected = scittRecordStatement(statement).statement;
  for (const member of ['digest', 'type', 'subject'] as const) {
    if (record[member] !== expected[member]) {
      throw new RecordError(
        'STATEMENT_MISMATCH',
        `the record's ${member} is not the signed statement's`,
        { field: `/${member}` },
      );
    }
  }
  const want = expected.labels ?? {};
  const have = record.labels ?? {};
  const names = new Set([...Object.keys(want), ...Object.keys(have)]);
  for (const name of names) {
    if (want[name] !== have[name]) {
      throw new RecordError('STATEMENT_MISMATCH', `label ${name} is not the signed statement's`, {
        field: `/labels/${name}`,
      });
    }
  }
  for (const member of ['commitments', 'controls', 'issuer'] as const) {
    if (record[member] !== undefined) {
      throw new RecordError(
        'STATEMENT_MISMATCH',
        `a registered signed statement's record has no ${member}`,
        { field: `/${member}` },
      );
    }
  }
}
