import { openCheckpoint } from '@proofline/note';
import { verifyKeyHistory } from '@proofline/records';
import { ed25519Verifier } from '@proofline/verify';
import { LogTrustError, ProoflineError } from './errors.js';

/** What `GET /logs/<name>/` says of a log (its other members are not needed here). */
interface LogInfo {
  readonly name: string;
  readonly origin: string;
  readonly verifierKey: string;
  /** The handover notes of `retiredKeys`, oldest first (unverified). */
  readonly handovers: readonly string[];
  /** Their retired keys as the description lists them (unverified; for finding the log). */
  readonly retired: readonly string[];
}

/** Reads a public path of the service: parsed JSON, or text; throws ProoflineError. */
export type PublicRead = (path: string, expect: 'json' | 'text') => Promise<unknown>;

/** Longest list of served logs named in an error message. */
const MAX_LISTED = 8;

/**
 * Checks, before anything is written, that the log the client is about to write to is the
 * log of the pinned key, and returns its name. The log is `log`, or, without a name, the
 * log whose description carries exactly the pinned key: writes then name it, so they go to
 * the log that was checked (a tenant that does not own it gets 404 `unknown-log`, see
 * notWritable), never to whichever log the server would pick for the tenant. Its description (`GET /logs/<name>/`) must name the
 * pinned key's origin and key, and its latest checkpoint (`GET /logs/<name>/checkpoint`)
 * must verify with the pinned key.
 *
 * A log with no checkpoint yet (404 `no-checkpoint`) is accepted on its description alone:
 * the description is unsigned, so this catches a wrong key pinned by mistake, not a server
 * that lies; the receipts of the first writes are verified with the pinned key as always.
 * Throws LogTrustError on a mismatch, ProoflineError when the service cannot be read.
 */
export async function checkLogTrust(
  read: PublicRead,
  logKey: string,
  log: string | undefined,
): Promise<string> {
  const verifier = ed25519Verifier(logKey);
  const pinned = shortKey(logKey);
  const info =
    log === undefined ? await findLog(read, logKey, pinned) : await describe(read, log, pinned);
  const served = shortKey(info.verifierKey);
  if (info.origin === verifier.name && info.retired.includes(logKey)) {
    await refuseRetired(info, logKey, pinned, served);
  }
  if (info.origin !== verifier.name || info.verifierKey !== logKey) {
    throw new LogTrustError(
      `log ${info.name} is not the log of the pinned key: pinned ${pinned} (origin ${verifier.name}); ` +
        `the log serves origin ${info.origin} with key ${served}`,
      'log-key-mismatch',
      pinned,
      info.name,
      served,
    );
  }
  let note: string;
  try {
    note = (await read(`/logs/${encodeURIComponent(info.name)}/checkpoint`, 'text')) as string;
  } catch (err) {
    if (err instanceof ProoflineError && err.status === 404 && err.code === 'no-checkpoint') {
      return info.name;
    }
    throw err;
  }
  try {
    await openCheckpoint(note, verifier.name, verifier);
  } catch (cause) {
    throw new LogTrustError(
      `the latest checkpoint of log ${info.name} does not verify with the pinned key ${pinned}: ` +
        `${(cause as Error).message}`,
      'checkpoint-unverified',
      pinned,
      info.name,
      served,
      { cause },
    );
  }
  return info.name;
}

/**
 * The error for a write to the log found by the pinned key (no log named) that the service
 * refused as `unknown-log`: the log exists, but the API key's tenant does not own it.
 */
export function notWritable(logKey: string, log: string, cause: ProoflineError): LogTrustError {
  const pinned = shortKey(logKey);
  return new LogTrustError(
    `the pinned key ${pinned} is the key of log ${log}, which the API key's tenant cannot write to (${cause.message})`,
    'unknown-log',
    pinned,
    log,
    pinned,
    { cause },
  );
}

async function describe(read: PublicRead, log: string, pinned: string): Promise<LogInfo> {
  try {
    return logInfo(await read(`/logs/${encodeURIComponent(log)}/`, 'json'), pinned);
  } catch (err) {
    if (err instanceof ProoflineError && err.status === 404) {
      throw new LogTrustError(
        `the service has no log named ${JSON.stringify(log)} (pinned key ${pinned})`,
        'unknown-log',
        pinned,
        log,
        undefined,
        { cause: err },
      );
    }
    throw err;
  }
}

async function findLog(read: PublicRead, logKey: string, pinned: string): Promise<LogInfo> {
  const body = (await read('/logs', 'json')) as { logs?: unknown };
  if (!Array.isArray(body?.logs)) {
    throw new LogTrustError('GET /logs is not {"logs": [...]}', 'malformed-log-info', pinned);
  }
  const logs = body.logs.map((l) => logInfo(l, pinned));
  const found = logs.find((l) => l.verifierKey === logKey || l.retired.includes(logKey));
  if (found) return found;
  const listed = logs
    .slice(0, MAX_LISTED)
    .map((l) => `${l.name} (key ${shortKey(l.verifierKey)})`)
    .join(', ');
  throw new LogTrustError(
    `no log of the service has the pinned key ${pinned}; it serves ${listed || 'no log'}` +
      (logs.length > MAX_LISTED ? ` and ${logs.length - MAX_LISTED} more` : ''),
    'unknown-log',
    pinned,
  );
}

function logInfo(value: unknown, pinned: string): LogInfo {
  const v = value as Partial<Record<keyof LogInfo | 'retiredKeys', unknown>> | null;
  const malformed = () =>
    new LogTrustError(
      'a log description lacks name, origin or verifierKey, or has malformed retiredKeys',
      'malformed-log-info',
      pinned,
    );
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof v.name !== 'string' ||
    typeof v.origin !== 'string' ||
    typeof v.verifierKey !== 'string'
  ) {
    throw malformed();
  }
  const retiredKeys = v.retiredKeys ?? [];
  if (!Array.isArray(retiredKeys) || retiredKeys.length > MAX_RETIRED_KEYS) throw malformed();
  const handovers: string[] = [];
  const retired: string[] = [];
  for (const r of retiredKeys as unknown[]) {
    const { verifierKey, handover } = (r ?? {}) as { verifierKey?: unknown; handover?: unknown };
    if (typeof verifierKey !== 'string' || typeof handover !== 'string') throw malformed();
    retired.push(verifierKey);
    handovers.push(handover);
  }
  return { name: v.name, origin: v.origin, verifierKey: v.verifierKey, handovers, retired };
}

/** Most retired keys a description may list (a log rotates its key a few times at most). */
const MAX_RETIRED_KEYS = 1000;

/**
 * The pinned key is listed as retired: if the history verifies (every handover signed by both
 * its keys, ending at the served key), says so and names the key to pin; otherwise the
 * description is not to be believed and the usual mismatch error follows.
 */
async function refuseRetired(info: LogInfo, logKey: string, pinned: string, served: string) {
  let end: number | undefined;
  try {
    const history = await verifyKeyHistory(info.handovers, info.verifierKey);
    end = history.retired.find((h) => h.retired === logKey)?.end;
  } catch {
    return;
  }
  if (end === undefined) return;
  throw new LogTrustError(
    `the pinned key ${pinned} of log ${info.name} was retired at entry ${end} (a handover both ` +
      `keys signed): receipts it sealed stay valid, but new entries are sealed by the log's key ` +
      `${served}: pin ${info.verifierKey} to write`,
    'log-key-retired',
    pinned,
    info.name,
    served,
  );
}

/** `<name>+<key id>` of a verifier key (the part people compare), bounded for messages. */
function shortKey(vkey: string): string {
  const parts = vkey.split('+');
  return parts.length >= 2
    ? `${parts[0]!.slice(0, 200)}+${parts[1]!.slice(0, 8)}`
    : vkey.slice(0, 200);
}
