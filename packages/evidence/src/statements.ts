import {
  DEFAULT_CBOR_LIMITS,
  HEADER_LOG_ENTRY,
  decodeReceipt,
  extractReceipts,
  publicKeyFromPem,
  type CosePublicKey,
} from '@proofline/cose';
import type { Checkpoint } from '@proofline/note';
import { recordId, scittRecordStatement, type SignedStatementClaims } from '@proofline/records';
import { equalHashes, leafHash, type Hash } from '@proofline/tlog';
import { verifyCoseReceipt, verifyTransparentStatement, type Check } from '@proofline/verify';
import { fail, pass, unverified, type Item } from './check.js';
import type { PopulationProof } from './population.js';

/**
 * SCITT transparent statements (RFC 9943) in an evidence package (docs/evidence.md §5
 * "Transparent statements", docs/scitt.md): `statements/<record id>.cose` holds, byte for byte, a signed statement the
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
  /** Its receipts in order, with the leaf hash of the log entry each carries, if any. */
  readonly receipts: readonly { readonly bytes: Uint8Array; readonly leaf?: Hash }[];
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
    const receipts = extractReceipts(bytes).map((r) => {
      let entry: Uint8Array | undefined;
      try {
        entry = decodeReceipt(r).entry;
      } catch {
        entry = undefined;
      }
      return entry === undefined ? { bytes: r } : { bytes: r, leaf: leafHash(entry) };
    });
    if (!receipts.some((r) => r.leaf !== undefined)) {
      throw new Error(
        receipts.length === 0
          ? 'it carries no receipt (header 394): a signed statement, not a transparent statement'
          : `none of its ${receipts.length} receipts carries a Proofline record entry (header ${HEADER_LOG_ENTRY})`,
      );
    }
    return { bytes, claims, receipts };
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
    for (const h of held) for (const r of h.receipts) if (r.leaf) this.wanted.add(hex(r.leaf));
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
  /** The package's verified checkpoints (name, signed note, size), to confirm receipts with. */
  readonly checkpoints: readonly {
    readonly name: string;
    readonly note: string;
    readonly size: number;
  }[];
  /** The auditor's issuer keys; without them the issuer signature is NOT verified. */
  readonly issuerKeys?: readonly CosePublicKey[];
}

/** A checked statement: what the report lists and the verdict says. */
export interface StatementCheck {
  /** The record that registered it (from the listing), once its receipt verified. */
  readonly id?: string;
  readonly issuer: string;
  readonly subject: string;
  /** The registration's failure (receipt, listing, record), or undefined when it holds. */
  readonly problem?: StatementProblem;
  /** What the registration proves, when it holds. */
  readonly proven?: string;
  /** The issuer signature under the auditor's keys. */
  readonly issuerSignature: 'verified' | 'not-checked' | StatementProblem;
}

/** The failed check's message and code. */
const failure = (c: Check | undefined) => c?.error ?? { code: 'unknown', message: c?.summary };

/**
 * Checks a read statement against the package with @proofline/verify's
 * verifyTransparentStatement, pinned to the log keys: the receipts of this log (by a pinned
 * key, with a record entry) verify, none fails, and each record is the registration of this
 * statement (checkScittRecord); they prove one entry, which must be the listing's at the
 * receipt's leaf index (the record id is the listing's); a receipt of the size of one of the
 * package's checkpoints is confirmed against it (a different root there fails: a fork), any
 * other size is left unconfirmed (its root is signed, its size and index are not). Then the
 * issuer signature, with the auditor's keys only. Never throws for a bad statement.
 */
export async function checkStatement(
  held: HeldStatement,
  ctx: StatementContext,
): Promise<StatementCheck> {
  const base = { issuer: held.claims.issuer, subject: held.claims.subject };
  const issuerKeys = ctx.issuerKeys ?? [];
  const trust = { serviceKeys: ctx.logKeys, ...(issuerKeys.length > 0 ? { issuerKeys } : {}) };
  const v = await verifyTransparentStatement(held.bytes, trust);
  const [statement, receipts] = v.checks;
  const issuerSignature: StatementCheck['issuerSignature'] =
    statement?.status === 'passed'
      ? 'verified'
      : issuerKeys.length === 0
        ? 'not-checked'
        : new StatementProblem(
            'INVALID_ISSUER_SIGNATURE',
            `not signed by an issuer key you gave (${failure(statement).code}): ${failure(statement).message}`,
          );
  try {
    if (receipts?.status !== 'passed') {
      const { code, message } = failure(receipts);
      const mismatch = code === 'REGISTRATION_MISMATCH' || code === 'STATEMENT_MALFORMED';
      throw new StatementProblem(
        mismatch ? 'STATEMENT_MISMATCH' : 'INVALID_STATEMENT_RECEIPT',
        `${mismatch ? 'its record is not its registration' : 'its receipts do not verify with the log key'} (${code}): ${message}`,
      );
    }
    const ours = v.receipts.flatMap((r, i) =>
      r.status === 'verified' ? [{ r, ...held.receipts[i]! }] : [],
    );
    const leaf = ours[0]!.leaf!;
    if (ours.some((o) => !equalHashes(o.leaf!, leaf))) {
      throw new StatementProblem(
        'INVALID_STATEMENT_RECEIPT',
        'its receipts prove different records',
      );
    }
    const listed = ctx.listed(leaf);
    if (!listed || ours.some((o) => o.r.leafIndex !== listed.index)) {
      throw new StatementProblem(
        'STATEMENT_NOT_IN_LISTING',
        listed
          ? `its receipt says leaf index ${ours[0]!.r.leafIndex}, the listing holds its record at ${listed.index}`
          : "the record its receipt proves is not an entry of the period's listing",
      );
    }
    const id = recordId(ctx.log, listed.index);
    const roots: string[] = [];
    for (const { r, bytes } of ours) {
      const same = ctx.checkpoints.find((c) => c.size === r.treeSize);
      if (!same) {
        roots.push(
          `its signed root, of a tree of ${r.treeSize} (unsigned), is of none of the package's checkpoints' sizes: not compared`,
        );
        continue;
      }
      const confirmed = await verifyCoseReceipt(bytes, { ...trust, checkpoint: same.note });
      if (!confirmed.ok) {
        const bad = failure(confirmed.checks.find((c) => c.status === 'failed'));
        throw new StatementProblem(
          'INVALID_STATEMENT_RECEIPT',
          `its receipt is not confirmed by the package's ${same.name} checkpoint (${bad.code}): ${bad.message}`,
        );
      }
      roots.push(`its root is the ${same.name} checkpoint's (size ${r.treeSize}, index confirmed)`);
    }
    return {
      ...base,
      id,
      issuerSignature,
      proven: `registered as record ${id} (the listing's entry, the registration of this statement); ${ours.length === 1 ? 'its receipt verifies' : `its ${ours.length} receipts verify`} with the log key: ${roots.join('; ')}`,
    };
  } catch (err) {
    if (!(err instanceof StatementProblem)) throw err;
    return { ...base, problem: err, issuerSignature };
  }
}

/** The proof's checkpoints that opened (verified), as StatementContext.checkpoints. */
export function packageCheckpoints(
  proof: PopulationProof,
  opened: { readonly start?: Checkpoint; readonly end?: Checkpoint; readonly latest?: Checkpoint },
): StatementContext['checkpoints'] {
  const notes = {
    start: proof.startCheckpoint?.note,
    end: proof.endCheckpoint.note,
    latest: proof.latestCheckpoint.note,
  };
  return (['start', 'end', 'latest'] as const).flatMap((name) => {
    const c = opened[name];
    const note = notes[name];
    return c && note !== undefined ? [{ name, note, size: c.size }] : [];
  });
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

/** The issuer keys of every PEM PUBLIC KEY block in a text (the page's pasted keys). */
export function issuerKeysFromPem(text: string): CosePublicKey[] {
  return [...text.matchAll(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g)].map(
    (m) => publicKeyFromPem(`${m[0].replace(/\r\n/g, '\n')}\n`),
  );
}
