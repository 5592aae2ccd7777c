import {
  base64Decode,
  base64Encode,
  utf8Encode,
  type Signer,
  type Verifier,
} from '@proofline/note';
import { canonicalJson } from './canonical.js';
import { RecordError } from './errors.js';
import {
  formatIssuerKey,
  parseStatement,
  splitIssuerKey,
  unsignedStatement,
  type Statement,
} from './statement.js';

/** Domain separation: issuer signatures cannot be confused with any other signed message. */
const ISSUER_CONTEXT = 'proofline.dev/issuer-statement/v1\n';
const SIGNATURE_SIZE = 64;

/**
 * The message an issuer signs: UTF-8 of "proofline.dev/issuer-statement/v1\n" followed by the
 * RFC 8785 canonical JSON of the statement without its `issuer` member. The statement is
 * validated first (RecordError INVALID_STATEMENT).
 */
export function issuerMessage(statement: Statement): Uint8Array {
  return messageOf(parseStatement(statement));
}

/** issuerMessage of an already validated statement. */
function messageOf(checked: Statement): Uint8Array {
  return utf8Encode(ISSUER_CONTEXT + canonicalJson(unsignedStatement(checked)));
}

/**
 * Signs `statement` with the issuer's Ed25519 `signer`, replacing any `issuer` it had:
 * `issuer.key` is "<signer.name>+<8 lowercase hex signer.keyId>", `issuer.sig` the base64 of
 * the 64-byte signature of issuerMessage(statement). Throws RecordError INVALID_STATEMENT or
 * INVALID_ARGUMENT (bad signer name or key id, or a signature that is not 64 bytes); an error
 * thrown by the signer propagates unchanged.
 */
export async function signStatement(statement: Statement, signer: Signer): Promise<Statement> {
  const checked = parseStatement(statement);
  const key = formatIssuerKey(signer.name, signer.keyId);
  if (key === undefined) {
    throw new RecordError('INVALID_ARGUMENT', 'signer name or key id cannot form an issuer key');
  }
  const sig = await signer.sign(messageOf(checked));
  if (!(sig instanceof Uint8Array) || sig.length !== SIGNATURE_SIZE) {
    throw new RecordError(
      'INVALID_ARGUMENT',
      `signer must return a ${SIGNATURE_SIZE}-byte signature`,
    );
  }
  return parseStatement({ ...unsignedStatement(checked), issuer: { key, sig: base64Encode(sig) } });
}

/**
 * Whether `statement` carries a valid issuer signature by one of `verifiers`: false when it
 * has no `issuer`, when no verifier has the issuer key's (name, key id), or when the
 * signature does not verify. Throws RecordError INVALID_STATEMENT for an invalid statement and
 * INVALID_ARGUMENT when two verifiers claim the issuer key (as @proofline/note's openNote);
 * an error thrown by a verifier propagates unchanged.
 */
export async function verifyIssuer(
  statement: Statement,
  verifiers: readonly Verifier[],
): Promise<boolean> {
  const checked = parseStatement(statement);
  const { issuer } = checked;
  if (issuer === undefined) return false;
  // parseStatement checked the key's form and the signature's base64.
  const { name, keyId } = splitIssuerKey(issuer.key) as { name: string; keyId: number };
  const matches = verifiers.filter((v) => v.name === name && v.keyId === keyId);
  if (matches.length > 1) {
    throw new RecordError('INVALID_ARGUMENT', `ambiguous issuer key ${issuer.key}`);
  }
  const [verifier] = matches;
  if (verifier === undefined) return false;
  return (await verifier.verify(messageOf(checked), base64Decode(issuer.sig))) === true;
}
