import {
  DEFAULT_CBOR_LIMITS,
  HEADER_KID,
  decodeCoseKey,
  decodeReceipt,
  decodeSign1,
  ed25519CoseKey,
  ed25519Kid,
  extractReceipts,
  publicKeyFromPem,
  verifyReceipt,
  verifySign1,
  type CosePublicKey,
} from '@proofline/cose';
import { parseVerifierKey, type Checkpoint } from '@proofline/note';
import {
  checkScittRecord,
  parseRecord,
  recordId,
  scittRecordStatement,
  type SignedStatementClaims,
} from '@proofline/records';
import { equalHashes, leafHash, type Hash } from '@proofline/tlog';
import { fail, pass, unverified, type Item } from './check.js';

/**
 * SCITT transparent statements (RFC 9943) in an evidence package (docs/evidence.md §3,
 * docs/scitt.md): `statements/<record id>.cose` holds, byte for byte, a signed statement the
 * auditee registered in this log with its receipts (unprotected header 394), named for the
 * record its Proofline receipt proves (the record that registered it). The package proves the
 * REGISTRATION (the record is the listing's entry, derived from this statement, and the
 * receipt's signature is the log key's); who signed the statement only the auditor's own
 * issuer keys prove: the package never carries trust anchors.
 */

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** The folder of statement members. */
export const STATEMENTS_DIR = 'statements/';
/** Most statements a package carries. */
export const MAX_STATEMENTS = 10_000;
/** Largest statement member (the CBOR decoder's default bound). */
export const MAX_STATEMENT_SIZE = DEFAULT_CBOR_LIMITS.maxBytes;

/** The member holding the transparent statement registered by record `id`. */
export const statementMember = (id: string): string => `${STATEMENTS_DIR}${id}.cose`;

/** The record id a statement member is named for, or undefined for another name. */
export function memberRecordId(name: string): string | undefined {
  const m = /^statements\/([a-z0-9][a-z0-9-]{0,62}-(?:0|[1-9][0-9]{0,15}))\.cose$/.exec(name);
  return m?.[1];
}

/**
 * Why a packaged statement fails (Item.code of its `statement <id>` item):
 *
 * - `STATEMENT_MALFORMED`: not a COSE_Sign1 signed statement Proofline registers, or no
 *   receipt of it carries a Proofline record entry (not a transparent statement of a log).
 * - `STATEMENT_UNLISTED`: a member and manifest.json's `statements` disagree (listed but
 *   absent, present but not listed, or named for another record than its receipt proves).
 * - `STATEMENT_NOT_IN_LISTING`: the record its receipt proves is not an entry of the period's
 *   listing (another period, another log, or an entry the listing does not hold).
 * - `INVALID_STATEMENT_RECEIPT`: no receipt of the statement verifies with the log key (or
 *   a key of its verified key chain), or its receipts prove different records.
 * - `STATEMENT_MISMATCH`: the record is not the registration of this statement (another
 *   statement's record, or bytes of the statement edited).
 * - `INVALID_ISSUER_SIGNATURE`: the statement's signature verifies with none of the issuer
 *   keys the auditor gave.
 */
export type StatementCode =
  | 'STATEMENT_MALFORMED'
  | 'STATEMENT_UNLISTED'
  | 'STATEMENT_NOT_IN_LISTING'
  | 'INVALID_STATEMENT_RECEIPT'
  | 'STATEMENT_MISMATCH'
  | 'INVALID_ISSUER_SIGNATURE';

/** A statement that does not hold, with its code. */
export class StatementProblem extends Error {
  constructor(
    readonly code: StatementCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StatementProblem';
  }
}

/** A transparent statement as read, nothing verified. */
export interface HeldStatement {
  readonly bytes: Uint8Array;
  readonly claims: SignedStatementClaims;
  /** The receipts that carry a log entry (HEADER_LOG_ENTRY), with the entry's leaf hash. */
  readonly receipts: readonly { readonly bytes: Uint8Array; readonly leaf: Hash }[];
  /** Receipts without an entry (another service's): not checked here. */
  readonly others: number;
}

/**
 * Reads a transparent statement: a COSE_Sign1 signed statement Proofline registers
 * (scittRecordStatement: attached payload, protected alg, kid, iss and sub) whose header 394
 * holds at least one receipt carrying a log entry. Verifies nothing. Throws StatementProblem
 * STATEMENT_MALFORMED.
 */
export function readTransparentStatement(bytes: Uint8Array): HeldStatement {
  try {
    const { claims } = scittRecordStatement(bytes);
    const receipts: { bytes: Uint8Array; leaf: Hash }[] = [];
    let others = 0;
    for (const r of extractReceipts(bytes)) {
      let entry: Uint8Array | undefined;
      try {
        entry = decodeReceipt(r).entry;
      } catch {
        entry = undefined;
      }
      if (entry === undefined) others++;
      else receipts.push({ bytes: r, leaf: leafHash(entry) });
    }
    if (receipts.length === 0) {
      throw new Error(
        others === 0
          ? 'it carries no receipt (header 394): a signed statement, not a transparent statement'
          : `none of its ${others} receipts carries a Proofline record entry (${-65537})`,
      );
    }
    return { bytes, claims, receipts, others };
  } catch (cause) {
    throw new StatementProblem(
      'STATEMENT_MALFORMED',
      `not a transparent statement of a Proofline log: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * The listing's entries that the statements' receipts name, collected as the listing streams
 * (`onListed` of PopulationChecker), for StatementContext.listed: memory proportional to the
 * statements, not the listing.
 */
export class StatementListing {
  private readonly wanted = new Set<string>();
  private readonly found = new Map<string, { index: number; entry: Uint8Array }>();

  constructor(held: readonly HeldStatement[]) {
    for (const h of held) for (const r of h.receipts) this.wanted.add(hex(r.leaf));
  }

  readonly onListed = (index: number, entry: Uint8Array, leaf: Hash): void => {
    const key = hex(leaf);
    if (this.wanted.has(key) && !this.found.has(key)) this.found.set(key, { index, entry });
  };

  readonly listed = (leaf: Hash): { index: number; entry: Uint8Array } | undefined =>
    this.found.get(hex(leaf));
}

/** What the package and the auditor give to check a statement with. */
export interface StatementContext {
  readonly log: string;
  /** The log's verifier keys that may have signed receipts: the trusted key and its chain. */
  readonly logKeys: readonly string[];
  /** The period's listing: the entry whose leaf hash this is, with its index. */
  readonly listed: (
    leaf: Hash,
  ) => { readonly index: number; readonly entry: Uint8Array } | undefined;
  /** The package's verified checkpoints, by name, to compare a receipt's root with. */
  readonly checkpoints: readonly (readonly [string, Checkpoint])[];
  /** The auditor's issuer keys; without them the issuer signature is NOT verified. */
  readonly issuerKeys?: readonly CosePublicKey[];
}

/** A checked statement: what the report lists and the verdict says. */
export interface StatementCheck {
  /** The record that registered it (from the listing), once its receipt verified. */
  readonly id?: string;
  readonly index?: number;
  readonly issuer: string;
  readonly subject: string;
  /** The registration's failure (receipt, listing, record), or undefined when it holds. */
  readonly problem?: StatementProblem;
  /** What the registration proves, when it holds. */
  readonly proven?: string;
  /** The issuer signature under the auditor's keys. */
  readonly issuerSignature: 'verified' | 'not-checked' | StatementProblem;
}

/**
 * Checks a read statement against the package: of its receipts carrying an entry, those
 * whose protected kid is a log key's (RFC 9679 thumbprint) must each verify with that key
 * over the root its embedded entry and path reconstruct, all for one entry; that entry must be
 * the listing's at the receipt's leaf index (the record id is the listing's); the record must
 * be the registration of this statement (checkScittRecord); the root is compared with the
 * package's checkpoints (a match confirms the unsigned size and index). Then the issuer
 * signature with the auditor's keys. Never throws for a bad statement.
 */
export function checkStatement(held: HeldStatement, ctx: StatementContext): StatementCheck {
  const base = { issuer: held.claims.issuer, subject: held.claims.subject };
  const issuerSignature = checkIssuer(held.bytes, ctx.issuerKeys);
  try {
    const keys = ctx.logKeys.map((k) => {
      const publicKey = parseVerifierKey(k).publicKey;
      return { ...ed25519CoseKey(publicKey), kid: ed25519Kid(publicKey) };
    });
    const ours = held.receipts.filter((r) => {
      const kid = decodeSign1(r.bytes).protected.get(HEADER_KID);
      return kid instanceof Uint8Array && keys.some((k) => hex(k.kid) === hex(kid));
    });
    if (ours.length === 0) {
      throw new StatementProblem(
        'INVALID_STATEMENT_RECEIPT',
        "none of its receipts is signed by the log key (no receipt's kid is the key's RFC 9679 thumbprint)",
      );
    }
    let entry: Uint8Array | undefined;
    const verified = ours.map((r) => {
      let v;
      try {
        v = verifyReceipt(r.bytes, 'embedded', keys);
      } catch (cause) {
        throw new StatementProblem(
          'INVALID_STATEMENT_RECEIPT',
          `its receipt does not verify with the log key: ${(cause as Error).message}`,
          { cause },
        );
      }
      if (entry !== undefined && !equalHashes(leafHash(entry), r.leaf)) {
        throw new StatementProblem(
          'INVALID_STATEMENT_RECEIPT',
          'its receipts prove different records',
        );
      }
      entry = v.entry!;
      return v;
    });
    const listed = ctx.listed(leafHash(entry!));
    if (!listed || verified.some((v) => v.leafIndex !== listed.index)) {
      throw new StatementProblem(
        'STATEMENT_NOT_IN_LISTING',
        listed
          ? `its receipt says leaf index ${verified[0]!.leafIndex}, the listing holds its record at ${listed.index}`
          : "the record its receipt proves is not an entry of the period's listing",
      );
    }
    const id = recordId(ctx.log, listed.index);
    try {
      checkScittRecord(parseRecord(listed.entry), held.bytes);
    } catch (cause) {
      throw new StatementProblem(
        'STATEMENT_MISMATCH',
        `record ${id} is not the registration of this statement: ${(cause as Error).message}`,
        { cause },
      );
    }
    const roots = verified.map((v) => {
      const same = ctx.checkpoints.find(
        ([, c]) => c.size === v.treeSize && equalHashes(c.rootHash, v.root),
      );
      return same
        ? `its root is the ${same[0]} checkpoint's (size ${v.treeSize})`
        : `its signed root (of a tree of ${v.treeSize}, unsigned) is none of the package's checkpoints, so not compared`;
    });
    return {
      ...base,
      id,
      index: listed.index,
      issuerSignature,
      proven: `registered as record ${id} (the listing's entry, derived from this statement); ${ours.length === 1 ? 'its receipt verifies' : `its ${ours.length} receipts verify`} with the log key: ${roots.join('; ')}`,
    };
  } catch (err) {
    const problem =
      err instanceof StatementProblem
        ? err
        : new StatementProblem('INVALID_STATEMENT_RECEIPT', (err as Error).message, { cause: err });
    return { ...base, problem, issuerSignature };
  }
}

function checkIssuer(
  bytes: Uint8Array,
  keys: readonly CosePublicKey[] | undefined,
): StatementCheck['issuerSignature'] {
  if (keys === undefined || keys.length === 0) return 'not-checked';
  try {
    verifySign1(bytes, keys);
    return 'verified';
  } catch (cause) {
    return new StatementProblem(
      'INVALID_ISSUER_SIGNATURE',
      `its signature verifies with none of the ${keys.length} issuer key${keys.length === 1 ? '' : 's'} you gave: ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** The verdict's item of a checked statement (`statement <member>`). */
export function statementItem(member: string, c: StatementCheck): Item {
  const name = `statement ${member}`;
  const who = `issuer ${c.issuer}, subject ${c.subject}`;
  if (c.problem) return { ...fail(name, `${who}: ${c.problem.message}`), code: c.problem.code };
  if (c.issuerSignature instanceof StatementProblem) {
    return { ...fail(name, `${who}: ${c.issuerSignature.message}`), code: c.issuerSignature.code };
  }
  return c.issuerSignature === 'verified'
    ? pass(name, `${who}: ${c.proven}; the issuer signature verifies with a key you gave`)
    : unverified(
        name,
        `${who}: ${c.proven}; the issuer signature is NOT verified: give the issuer's public key (--statement-key FILE) to check who signed it`,
      );
}

/**
 * An issuer key from a file's bytes: a PEM SubjectPublicKeyInfo (Ed25519 or P-256) or a
 * COSE_Key (CBOR). Throws CoseError MALFORMED_KEY.
 */
export function issuerKeyFromFile(bytes: Uint8Array): CosePublicKey {
  const text = new TextDecoder().decode(bytes.subarray(0, 64));
  return text.startsWith('-----BEGIN')
    ? publicKeyFromPem(new TextDecoder().decode(bytes))
    : decodeCoseKey(bytes);
}

/** The issuer keys of every PEM PUBLIC KEY block in a text (the page's pasted keys). */
export function issuerKeysFromPem(text: string): CosePublicKey[] {
  return [...text.matchAll(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g)].map(
    (m) => publicKeyFromPem(`${m[0].replace(/\r\n/g, '\n')}\n`),
  );
}
