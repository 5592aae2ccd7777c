import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  base64Encode,
  parseNote,
  parseVerifierKey,
  type Checkpoint,
  type Verifier,
} from '@proofline/note';
import { proveConsistency, tileHashReader, tilePath, verifyConsistency } from '@proofline/tlog';
import { openChainCheckpoint, verifyKeyChain } from '@proofline/verify';
import { audit } from '../audit/auditor.js';
import { fetchBytes, LogUnavailableError } from '../audit/fetch.js';
import { fetchDescription, handoversIn } from '../audit/key-chain.js';

export interface MonitorOptions {
  readonly url: string;
  readonly logKey: string;
  /** A key of the log's tenant (audit:read): a private log serves its entries only so. */
  readonly apiKey?: string;
  /** Persistent state: the last trusted checkpoint (and the audit's verified tile roots beside it). */
  readonly state: string;
  readonly intervalSeconds: number;
  readonly webhook?: string;
  /** Check once and exit (for cron jobs and tests). */
  readonly once: boolean;
  /** An outage longer than this is reported through the webhook (once per outage). */
  readonly outageAlertSeconds: number;
}

/** What a monitor saves when the log misbehaves: enough for anyone to re-check offline. */
export interface Evidence {
  readonly kind: 'proofline.dev/monitor-evidence/v1';
  readonly detectedAt: string;
  readonly logUrl: string;
  readonly logKey: string;
  /** The checkpoint the monitor trusted, as the log signed it. */
  readonly trustedCheckpoint: string;
  /** The new checkpoint the log served, as signed. */
  readonly newCheckpoint?: string;
  /** The consistency proof the log's tiles yield between the two (base64), if any. */
  readonly consistencyProof?: string[];
  /**
   * The handover notes of the log's key history (`retiredKeys` of its description), when it
   * retired a key: check-evidence opens each checkpoint with the key of the chain, verified
   * against `logKey`, that signed it within its range (docs/keys.md).
   */
  readonly keyHistory?: readonly string[];
  readonly problems: readonly string[];
}

/** What a monitor POSTs when its log stays unreachable, and when it answers again. */
export interface OutageNotice {
  readonly kind: 'proofline.dev/monitor-outage/v1';
  readonly logUrl: string;
  /** `unreachable`: for longer than the threshold; `recovered`: readable again. */
  readonly state: 'unreachable' | 'recovered';
  /** When the first failed round began. */
  readonly since: string;
  readonly at: string;
  readonly lastError: string;
}

/** Longest wait between two rounds while the log is unreachable. */
const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * `proofline monitor`: follows a log. Each round audits what is new (the tiles already
 * verified are remembered in `<state>.tiles`) and requires the new checkpoint to be
 * consistent with the last trusted one; only then does the state advance (atomically).
 * On a fork, rollback, bad signature or malformed entry it saves the evidence next to the
 * state file, calls the webhook if any, and exits 1.
 *
 * A log that cannot be read (network errors, timeouts, 5xx) is an outage, not misbehaviour:
 * the monitor keeps the state it trusts, retries with exponential backoff (from the interval
 * up to 5 minutes), reports an outage longer than `outageAlertSeconds` through the webhook
 * once, and its end once. With `once`, an outage exits 1 without evidence. A log that refuses
 * its entries (a private log without `apiKey`, ReadRefusedError) is no misbehaviour either:
 * it rejects, saving nothing.
 */
export async function monitor(o: MonitorOptions): Promise<number> {
  const tilesState = `${o.state}.tiles`;
  let outage: { since: number; failures: number; reported: boolean } | undefined;
  while (true) {
    const trusted = existsSync(o.state) ? readFileSync(o.state, 'utf8') : undefined;
    let result: Awaited<ReturnType<typeof audit>>;
    try {
      result = await audit({
        url: o.url,
        logKey: o.logKey,
        ...(o.apiKey === undefined ? {} : { apiKey: o.apiKey }),
        ...(trusted === undefined ? {} : { since: trusted }),
        stateFile: tilesState,
      });
    } catch (err) {
      if (!(err instanceof LogUnavailableError)) throw err;
      const message = err.message;
      if (o.once) {
        process.stderr.write(`log unreachable: ${message}\n`);
        return 1;
      }
      outage ??= { since: Date.now(), failures: 0, reported: false };
      outage.failures++;
      const down = Date.now() - outage.since;
      const waitMs = Math.min(
        o.intervalSeconds * 1000 * 2 ** (outage.failures - 1),
        MAX_BACKOFF_MS,
      );
      process.stdout.write(
        `${new Date().toISOString()} log unreachable for ${Math.round(down / 1000)} s ` +
          `(${message}); retrying in ${Math.round(waitMs / 1000)} s\n`,
      );
      if (!outage.reported && down >= o.outageAlertSeconds * 1000) {
        outage.reported = true;
        process.stdout.write(`ALERT log unreachable for more than ${o.outageAlertSeconds} s\n`);
        if (o.webhook)
          await notify(o.webhook, outageNotice(o, outage.since, 'unreachable', message));
      }
      await sleep(waitMs);
      continue;
    }
    if (outage) {
      process.stdout.write(
        `${new Date().toISOString()} log reachable again after ${Math.round((Date.now() - outage.since) / 1000)} s\n`,
      );
      if (outage.reported && o.webhook) {
        await notify(o.webhook, outageNotice(o, outage.since, 'recovered', ''));
      }
      outage = undefined;
    }
    if (!result.ok) {
      const evidence = await gatherEvidence(o, trusted, result.checkpointNote, result.problems);
      const file = `${o.state}.evidence-${Date.now()}.json`;
      writeFileSync(file, `${JSON.stringify(evidence, null, 2)}\n`);
      process.stdout.write(
        `ALERT ${result.problems.join('\nALERT ')}\nevidence saved to ${file}\n`,
      );
      if (o.webhook) await notify(o.webhook, evidence);
      return 1;
    }
    const note = result.checkpointNote!;
    if (note !== trusted) {
      writeFileSync(`${o.state}.tmp`, note);
      renameSync(`${o.state}.tmp`, o.state);
      const before = result.consistentWith ?? 0;
      process.stdout.write(
        `${new Date().toISOString()} checkpoint size ${result.checkpoint!.size}: consistent, ` +
          `${result.checkpoint!.size - before} new entries verified\n`,
      );
    }
    if (o.once) return 0;
    await sleep(o.intervalSeconds * 1000);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function outageNotice(
  o: MonitorOptions,
  since: number,
  state: OutageNotice['state'],
  lastError: string,
): OutageNotice {
  return {
    kind: 'proofline.dev/monitor-outage/v1',
    logUrl: o.url,
    state,
    since: new Date(since).toISOString(),
    at: new Date().toISOString(),
    lastError,
  };
}

async function gatherEvidence(
  o: MonitorOptions,
  trusted: string | undefined,
  current: string | undefined,
  problems: readonly string[],
): Promise<Evidence> {
  let consistencyProof: string[] | undefined;
  let keyHistory: readonly string[] = [];
  const base = o.url.endsWith('/') ? o.url : `${o.url}/`;
  try {
    // Kept only when it verifies against the pinned key: a misbehaving log must not make its
    // own evidence unprovable by serving a broken history.
    const served = handoversIn(await fetchDescription(base, o.apiKey));
    await verifyKeyChain(o.logKey, served);
    keyHistory = served;
  } catch {
    // No (verifiable) history: the evidence opens with the pinned key alone.
  }
  if (trusted && current) {
    try {
      const [a, b] = await Promise.all(
        [trusted, current].map((note) => openEvidenceCheckpoint(note, o.logKey, keyHistory)),
      );
      const [small, large] = a!.size <= b!.size ? [a!, b!] : [b!, a!];
      const reader = tileHashReader(large.size, (tiles) =>
        Promise.all(
          tiles.map(
            async (t) =>
              new Uint8Array(await fetchBytes(`${base}${tilePath(t)}`, undefined, t.width * 32)),
          ),
        ),
      );
      const proof = await proveConsistency(small.size, large.size, reader);
      consistencyProof = proof.map((h) => base64Encode(h));
    } catch {
      // The log may no longer serve what a proof needs; the two signed checkpoints remain.
    }
  }
  return {
    kind: 'proofline.dev/monitor-evidence/v1',
    detectedAt: new Date().toISOString(),
    logUrl: o.url,
    logKey: o.logKey,
    trustedCheckpoint: trusted ?? '',
    ...(current === undefined ? {} : { newCheckpoint: current }),
    ...(consistencyProof ? { consistencyProof } : {}),
    ...(keyHistory.length > 0 ? { keyHistory } : {}),
    problems,
  };
}

/**
 * Opens an evidence checkpoint with the pinned key or, given a key history, with the key of
 * the chain verified from it (verifyKeyChain: a history that does not verify or does not name
 * the pinned key throws) that signed it within its range. Throws an Error naming why not;
 * KEY_HISTORY_MISSING when another key of the log signed it and no history vouches for it.
 */
async function openEvidenceCheckpoint(
  note: string,
  logKey: string,
  keyHistory: readonly string[] | undefined,
): Promise<Checkpoint> {
  const verifier = parseVerifierKey(logKey);
  let chain;
  try {
    chain = await verifyKeyChain(logKey, keyHistory);
  } catch (err) {
    throw new Error(`the evidence's key history: ${(err as Error).message}`, { cause: err });
  }
  const keys: readonly { verifier: Verifier; end: number; pinned: boolean }[] =
    chain.length > 0 ? chain : [{ verifier, end: Infinity, pinned: true }];
  const opened = await openChainCheckpoint(note, verifier.name, keys);
  if (!('error' in opened)) return opened.checkpoint;
  let other: string | undefined;
  try {
    other = parseNote(note)
      .signatures.filter((sig) => sig.name === verifier.name && sig.keyId !== verifier.keyId)
      .map((sig) => `${sig.name}+${sig.keyId.toString(16).padStart(8, '0')}`)[0];
  } catch {
    // not a note: the error below says so
  }
  if (chain.length === 0 && other !== undefined) {
    throw new Error(
      `KEY_HISTORY_MISSING: a checkpoint is signed by another key of the log, ${other}, not ${logKey}, and the evidence carries no key history (keyHistory) that vouches for it`,
      { cause: opened.error },
    );
  }
  throw new Error(`a checkpoint does not open with the log key: ${opened.error.message}`, {
    cause: opened.error,
  });
}

/**
 * Re-checks saved evidence offline: both checkpoints must carry valid signatures of the log
 * key (or, for a log that retired a key, of the key of the evidence's verified key history
 * that covered them: see openEvidenceCheckpoint), and must be inconsistent (equal sizes with different roots, a smaller new size, or
 * a consistency proof that fails). Returns the finding, or throws if the evidence does not
 * prove misbehaviour by itself (e.g. an entry problem, which needs the log's data).
 */
export async function checkEvidence(evidence: Evidence): Promise<string> {
  if (!evidence.newCheckpoint) throw new Error('the evidence holds no second checkpoint');
  const a = await openEvidenceCheckpoint(
    evidence.trustedCheckpoint,
    evidence.logKey,
    evidence.keyHistory,
  );
  const b = await openEvidenceCheckpoint(
    evidence.newCheckpoint,
    evidence.logKey,
    evidence.keyHistory,
  );
  const root = (c: { rootHash: Uint8Array }) => base64Encode(c.rootHash);
  if (a.size === b.size) {
    if (root(a) !== root(b))
      return `fork: two signed checkpoints of size ${a.size} with different roots`;
    throw new Error('the two checkpoints are identical');
  }
  if (b.size < a.size) return `rollback: signed size ${b.size} after signed size ${a.size}`;
  const proof = (evidence.consistencyProof ?? []).map(
    (h) => new Uint8Array(Buffer.from(h, 'base64')),
  );
  try {
    verifyConsistency(a.size, b.size, proof, a.rootHash, b.rootHash);
  } catch (err) {
    return `inconsistent: the log's own consistency proof from ${a.size} to ${b.size} fails (${(err as Error).message})`;
  }
  throw new Error('the checkpoints are consistent: this evidence shows no misbehaviour of the log');
}

/** Webhook delivery attempts, and the wait before each retry. */
const WEBHOOK_ATTEMPTS = 5;
const WEBHOOK_RETRY_MS = 1000;

/**
 * POSTs `body` as JSON to the webhook: delivered only on a 2xx answer; a network error, a
 * timeout or another status is retried (1, 2, 4, 8 s apart), then reported on stderr.
 */
async function notify(url: string, body: Evidence | OutageNotice): Promise<void> {
  let last = '';
  for (let attempt = 1; attempt <= WEBHOOK_ATTEMPTS; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (attempt < WEBHOOK_ATTEMPTS) await sleep(WEBHOOK_RETRY_MS * 2 ** (attempt - 1));
  }
  process.stderr.write(`webhook ${url} failed after ${WEBHOOK_ATTEMPTS} attempts: ${last}\n`);
}
