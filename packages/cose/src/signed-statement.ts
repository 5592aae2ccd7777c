import { CborMap, type CborValue, type Label } from './cbor.js';
import { CoseError } from './errors.js';
import { HEADER_CONTENT_TYPE, HEADER_CWT_CLAIMS, HEADER_KID } from './headers.js';
import { CWT_ISS, CWT_SUB } from './receipt.js';
import { signSign1 } from './sign1.js';
import type { CoseSigner } from './signer.js';

/** Hash-envelope headers (draft-ietf-cose-hash-envelope, IANA COSE Header Parameters). */
export const HEADER_PAYLOAD_HASH_ALG = 258;
export const HEADER_PREIMAGE_CONTENT_TYPE = 259;
export const HEADER_PAYLOAD_LOCATION = 260;
/** COSE algorithm SHA-256 (RFC 9054), the one payload-hash-alg signStatement makes. */
export const HASH_ALG_SHA256 = -16;

/** Bounds a registering log applies (@proofline/records signedStatementClaims). */
const MAX_KID = 64;
const MAX_TEXT = 256;

/** A hash envelope: the payload is the hash of an artefact that stays elsewhere. */
export interface HashEnvelope {
  /** SHA-256 of the artefact, 32 bytes. */
  readonly hash: Uint8Array;
  readonly hashAlg: typeof HASH_ALG_SHA256;
  /** The artefact's media type (header 259). */
  readonly preimageContentType?: string;
  /** Where the artefact can be fetched (header 260). */
  readonly location?: string;
}

/** What signStatement signs: exactly one of `payload` and `envelope`. */
export interface SignedStatementContent {
  readonly signer: CoseSigner;
  /** The issuer key's id (protected kid), 1..64 bytes; by default its RFC 9679 thumbprint. */
  readonly kid: Uint8Array;
  /** CWT iss. */
  readonly issuer: string;
  /** CWT sub: what the statement is about. */
  readonly subject: string;
  /** An attached payload as it is. */
  readonly payload?: Uint8Array;
  readonly envelope?: HashEnvelope;
  /** The payload's media type (header 3); not with a hash envelope, whose 259 says it. */
  readonly contentType?: string;
}

function invalid(message: string): CoseError {
  return new CoseError('INVALID_ARGUMENT', message);
}

/** Non-empty text of at most 256 characters without control characters. */
function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT) {
    throw invalid(`${what} must be a text of 1..${MAX_TEXT} characters`);
  }
  // for..of yields code points: a surrogate pair is one, a lone surrogate stays in d800..dfff.
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)) {
      throw invalid(`${what} must not hold control characters or lone surrogates`);
    }
  }
  return value;
}

/**
 * A SCITT signed statement (RFC 9943) as a Proofline log registers it: COSE_Sign1 (tag 18)
 * with an attached payload and the protected header `{1: alg, 4: kid, 15: {1: iss, 2: sub}}`
 * plus content type (3), or, for a hash envelope, payload = the hash with 258 = -16 and the
 * optional 259 / 260. The unprotected header is empty. Throws INVALID_ARGUMENT for anything
 * a registering log would refuse (no or both payload kinds, a hash that is not 32 bytes, an
 * empty or over-long text, a kid outside 1..64 bytes, content type with an envelope, which
 * the hash-envelope draft forbids); rejects with what the signer rejects with.
 */
export async function signStatement(content: SignedStatementContent): Promise<Uint8Array> {
  const { kid, envelope, payload } = content;
  if (!(kid instanceof Uint8Array) || kid.length === 0 || kid.length > MAX_KID) {
    throw invalid(`kid must be 1..${MAX_KID} bytes`);
  }
  if ((payload === undefined) === (envelope === undefined)) {
    throw invalid('give exactly one of payload and envelope');
  }
  const claims = new CborMap([
    [CWT_ISS, text(content.issuer, 'issuer')],
    [CWT_SUB, text(content.subject, 'subject')],
  ]);
  const header: [Label, CborValue][] = [
    [HEADER_KID, kid],
    [HEADER_CWT_CLAIMS, claims],
  ];
  if (envelope !== undefined) {
    if (content.contentType !== undefined) {
      throw invalid('a hash envelope carries preimageContentType, not contentType');
    }
    if (envelope.hashAlg !== HASH_ALG_SHA256) throw invalid('hashAlg must be SHA-256 (-16)');
    if (!(envelope.hash instanceof Uint8Array) || envelope.hash.length !== 32) {
      throw invalid('a SHA-256 hash is 32 bytes');
    }
    header.push([HEADER_PAYLOAD_HASH_ALG, HASH_ALG_SHA256]);
    if (envelope.preimageContentType !== undefined) {
      header.push([
        HEADER_PREIMAGE_CONTENT_TYPE,
        text(envelope.preimageContentType, 'preimageContentType'),
      ]);
    }
    if (envelope.location !== undefined) {
      header.push([HEADER_PAYLOAD_LOCATION, text(envelope.location, 'location')]);
    }
  } else {
    if (!(payload instanceof Uint8Array)) throw invalid('payload must be bytes');
    if (content.contentType !== undefined) {
      header.push([HEADER_CONTENT_TYPE, text(content.contentType, 'contentType')]);
    }
  }
  return signSign1(
    { protected: header, payload: envelope === undefined ? payload! : envelope.hash },
    content.signer,
  );
}
