import {
  ALG_EDDSA,
  CoseError,
  CONCISE_PROBLEM_MEDIA_TYPE,
  attachReceipts,
  ed25519CoseKey,
  ed25519Kid,
  verifyReceipt,
  type CosePublicKey,
} from '@proofline/cose';
import { parseVerifierKey } from '@proofline/note';
import {
  RecordError,
  checkScittRecord,
  parseRecord,
  parseRecordId,
  type RecordV1,
} from '@proofline/records';
import { ProoflineError, UnverifiedWriteError } from './errors.js';
import { backoff, readBoundedBytes, responseProblem, sleep } from './http.js';

/** Media types of SCRAPI (RFC 9943, RFC 9052). */
export const COSE_MEDIA_TYPE = 'application/cose';
export const SCITT_RECEIPT_MEDIA_TYPE = 'application/scitt-receipt+cose';
/** What the client asks for: a receipt, else a concise problem (SCRAPI's error format). */
const RECEIPT_ACCEPT = `${SCITT_RECEIPT_MEDIA_TYPE}, ${COSE_MEDIA_TYPE};q=0.9, ${CONCISE_PROBLEM_MEDIA_TYPE};q=0.5`;
/** Largest receipt read (a receipt carries a path and one entry of at most 64 KiB). */
const RECEIPT_LIMIT = 256 * 1024;
/** Longest pause between two polls for the receipt, in ms. */
const MAX_POLL_MS = 5_000;

/** How registerStatement reaches the service (the ProoflineClient's settings). */
export interface ScittTransport {
  readonly base: string;
  readonly apiKey?: string;
  readonly fetch: typeof fetch;
  /** Attempts of one request on network errors, 429 and 5xx. */
  readonly attempts: number;
  /** Per-request timeout, ms. */
  readonly requestTimeoutMs: number;
}

export interface RegisterStatementOptions {
  /** The log to register in (checked against the pinned key first); default the client's. */
  readonly log?: string;
  /** Also return the transparent statement (the statement with the receipt in header 394). */
  readonly transparent?: boolean;
  /** How long to wait in all for the receipt, ms; default 60 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

/** A registration whose receipt verified with the pinned log key. */
export interface RegisteredStatement {
  /** The entry id (`<log>-<index>`), from the answer's Location. */
  readonly id: string;
  readonly log: string;
  /** The RFC 9942 receipt (application/cose bytes), carrying the record's entry. */
  readonly receipt: Uint8Array;
  /** The record the statement was registered as, proven by the receipt. */
  readonly record: RecordV1;
  readonly entry: Uint8Array;
  /** The root the log key signed; tree size and index are unsigned (docs/scitt.md). */
  readonly root: Uint8Array;
  readonly treeSize: number;
  readonly leafIndex: number;
  /** With `transparent`: attachReceipts(statement, [receipt]), built here. */
  readonly transparentStatement?: Uint8Array;
}

/**
 * Registers a signed statement (SCRAPI POST /entries) in `log`, which the caller has checked
 * against the pinned key, and resolves once its receipt verified (verifyRegistration).
 * POST and polls are retried on network errors, 429 and 5xx (registration is idempotent:
 * the same statement maps to the same record). A 303 is followed to GET /entries/{id}; while
 * that answers 404 not-yet-checkpointed the client polls, waiting Retry-After or a backoff
 * (≤ 5 s), never past `timeoutMs`, then throws that ProoflineError with `entryId` set (the
 * statement is registered; so does any failure of the GET after a registration). Refusals
 * are ProoflineErrors read from the concise (or JSON) problem; an answer that does not verify
 * is UnverifiedWriteError (the statement is in the log).
 */
export async function registerStatement(
  t: ScittTransport,
  logKey: string,
  log: string,
  statement: Uint8Array,
  options: RegisterStatementOptions,
): Promise<RegisteredStatement> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const query = `?log=${encodeURIComponent(log)}`;
  let response = await send(t, `${t.base}/entries${query}`, options.signal, statement);
  const id = entryId(t, response);
  for (let attempt = 1; !response.ok; attempt++) {
    const problem = await responseProblem(response);
    if (id === undefined) throw problem; // refused: nothing was registered
    const left = deadline - Date.now();
    if (problem.code !== 'not-yet-checkpointed' || left <= 0) {
      const why = left <= 0 ? 'no checkpoint covered it in time' : problem.message;
      throw new ProoflineError(
        `registered as ${id}, but GET /entries/${id} gave no receipt: ${why}`,
        problem.status,
        problem.code,
        problem.field,
        {
          cause: problem,
          entryId: id,
          ...(problem.retryAfterSeconds ? { retryAfterSeconds: problem.retryAfterSeconds } : {}),
        },
      );
    }
    const backoffMs = Math.min(MAX_POLL_MS, 100 * 2 ** (attempt - 1));
    const ms = Math.min(Math.max((problem.retryAfterSeconds ?? 0) * 1000, backoffMs), MAX_POLL_MS);
    await sleep(Math.min(ms, left), options.signal);
    response = await send(t, `${t.base}/entries/${encodeURIComponent(id)}`, options.signal);
  }
  if (id === undefined) throw unverified('the answer names no entry (no Location)');
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith(COSE_MEDIA_TYPE) && !type.startsWith(SCITT_RECEIPT_MEDIA_TYPE)) {
    await response.body?.cancel();
    throw unverified(`${id}: the answer is ${type || 'untyped'}, not a receipt`);
  }
  const receipt = await readBoundedBytes(response, RECEIPT_LIMIT).catch((err: unknown) => {
    throw unverified(`${id}: the receipt is unreadable: ${(err as Error).message}`);
  });
  const registered = verifyRegistration(statement, receipt, id, logKey);
  if (registered.log !== log) throw unverified(`${id} is an entry of another log than ${log}`);
  return options.transparent === true
    ? { ...registered, transparentStatement: attachReceipts(statement, [receipt]) }
    : registered;
}

/**
 * Checks that `receipt` proves `statement` registered as entry `id` of the log of `logKey`
 * (a note verifier key): the receipt verifies with that key over the root its path
 * reconstructs from the entry it carries (verifyReceipt 'embedded'), the entry is a record
 * that is the statement's registration (checkScittRecord), and `id` names the receipt's leaf
 * index. The index and size are unsigned: compare `root` with a signed checkpoint to rely on
 * them. Throws UnverifiedWriteError naming what failed.
 */
export function verifyRegistration(
  statement: Uint8Array,
  receipt: Uint8Array,
  id: string,
  logKey: string,
): Omit<RegisteredStatement, 'transparentStatement'> {
  const { publicKey } = parseVerifierKey(logKey);
  const key: CosePublicKey = {
    ...ed25519CoseKey(publicKey),
    kid: ed25519Kid(publicKey),
    alg: ALG_EDDSA,
  };
  try {
    const verified = verifyReceipt(receipt, 'embedded', [key]);
    const entry = verified.entry!;
    const record = parseRecord(entry);
    checkScittRecord(record, statement);
    const at = parseRecordId(id);
    if (at.index !== verified.leafIndex) {
      throw unverified(`${id}: the receipt proves index ${verified.leafIndex}`);
    }
    const { root, treeSize, leafIndex } = verified;
    return { id, log: at.log, receipt, record, entry, root, treeSize, leafIndex };
  } catch (err) {
    if (err instanceof CoseError || err instanceof RecordError) {
      throw unverified(`${id}: the receipt does not prove the statement: ${err.message}`, err);
    }
    throw err;
  }
}

function unverified(summary: string, cause?: unknown): UnverifiedWriteError {
  return new UnverifiedWriteError(summary, [{ name: 'receipt', summary }], [], [], { cause });
}

/**
 * The entry id an answer names: the final URL after a followed 303 (`/entries/{id}`), else
 * the Location header of a 200/201; undefined when neither names one (a refusal).
 */
function entryId(t: ScittTransport, response: Response): string | undefined {
  const location = response.redirected ? response.url : response.headers.get('location');
  if (location === null || location === '') return undefined;
  const match = /\/entries\/([^/]+)$/.exec(new URL(location, `${t.base}/`).pathname);
  return match === null ? undefined : decodeURIComponent(match[1]!);
}

/**
 * One request (POST with `body`, else GET) with the API key, following redirects; retried on
 * network errors, 429 and 5xx as ProoflineClient requests are. Resolves with the last
 * response (ok or not); throws a `network-error` ProoflineError when none arrived.
 */
async function send(
  t: ScittTransport,
  url: string,
  signal: AbortSignal | undefined,
  body?: Uint8Array,
): Promise<Response> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= t.attempts; attempt++) {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(t.requestTimeoutMs);
    let response: Response;
    try {
      response = await t.fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          accept: RECEIPT_ACCEPT,
          ...(body === undefined ? {} : { 'content-type': COSE_MEDIA_TYPE }),
          ...(t.apiKey ? { authorization: `Bearer ${t.apiKey}` } : {}),
        },
        ...(body === undefined ? {} : { body }),
        redirect: 'follow',
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      signal?.throwIfAborted();
      lastError = new ProoflineError(
        `request failed: ${(err as Error).message}`,
        0,
        'network-error',
        undefined,
        { cause: err },
      );
      await backoff(attempt);
      continue;
    }
    if ((response.status !== 429 && response.status < 500) || attempt === t.attempts) {
      return response;
    }
    const problem = await responseProblem(response);
    await backoff(attempt, problem.retryAfterSeconds ?? 0);
  }
  throw lastError;
}
