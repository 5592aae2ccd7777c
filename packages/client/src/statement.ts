import {
  OUTPUT_SALT_SIZE,
  commitment,
  formatSalt,
  parseStatement,
  signStatement,
  type Statement,
} from '@proofline/records';
import { base64Encode, type Signer } from '@proofline/note';
import { contentDigest } from '@proofline/verify';

export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

export interface StatementInput {
  /** The exact output to attest (hashed here; never sent) — or give `digest`. */
  readonly content?: Uint8Array;
  readonly digest?: string;
  readonly algorithm?: DigestAlgorithm;
  /**
   * With `content`: attest a salted digest (records `saltedDigest`) under a fresh 32-byte
   * salt, returned as `outputSalt`, so the log never holds a digest anyone can confirm by
   * hashing guesses. (With `digest`, salt it yourself: `digestFile(path, alg, salt)`.)
   */
  readonly salted?: boolean;
  readonly type: string;
  readonly subject?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** Private labels: only salted SHA-256 commitments are sent. */
  readonly privateLabels?: Readonly<Record<string, string>>;
  readonly controls?: readonly string[];
  /** Signs the statement as issuer (the tenant must have registered this key). */
  readonly issuer?: Signer;
}

export interface PreparedStatement {
  readonly statement: Statement;
  /**
   * The salt of each private label, base64. Keep them: with the value, a salt opens the
   * commitment to an auditor. They are never sent to the server.
   */
  readonly salts: Readonly<Record<string, string>>;
  /**
   * With `salted`: the output salt, 64 lowercase hex digits. Keep it with the proof files:
   * without it nobody (not even you) can show that the output matches the record.
   */
  readonly outputSalt?: string;
}

/** Builds a valid statement locally: digest, commitments, issuer signature. */
export async function prepareStatement(input: StatementInput): Promise<PreparedStatement> {
  if ((input.content === undefined) === (input.digest === undefined)) {
    throw new TypeError('give exactly one of content and digest');
  }
  if (input.salted && input.content === undefined) {
    throw new TypeError('salted needs content (salt a given digest with digestFile)');
  }
  const outputSalt = input.salted
    ? globalThis.crypto.getRandomValues(new Uint8Array(OUTPUT_SALT_SIZE))
    : undefined;
  const digest =
    input.digest ?? (await contentDigest(input.content!, input.algorithm ?? 'sha256', outputSalt));
  const salts: Record<string, string> = {};
  const commitments: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.privateLabels ?? {})) {
    const salt = globalThis.crypto.getRandomValues(new Uint8Array(32));
    salts[name] = base64Encode(salt);
    commitments[name] = commitment(salt, value);
  }
  let statement = parseStatement({
    digest,
    type: input.type,
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    ...(input.labels === undefined ? {} : { labels: input.labels }),
    ...(input.privateLabels === undefined ? {} : { commitments }),
    ...(input.controls === undefined ? {} : { controls: input.controls }),
  });
  if (input.issuer) statement = await signStatement(statement, input.issuer);
  return { statement, salts, ...(outputSalt ? { outputSalt: formatSalt(outputSalt) } : {}) };
}
