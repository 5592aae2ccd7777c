/**
 * A log's key history in a trust policy (TrustPolicy.keyHistory): the handover notes of the
 * keys the log retired. They are untrusted input (served by the log, carried in a package):
 * verifyKeyHistory checks that they form one chain, each handover signed by both its keys,
 * and the pinned log key must be one of the chain's keys; every key of the chain is then
 * vouched for by it. Each key counts only for what its range allows: receipts of the
 * entries it sealed, checkpoints of trees no larger than the last it signed.
 */
import { parseNote, type Verifier } from '@proofline/note';
import { parseKeyHandoverText, RecordError, verifyKeyHistory } from '@proofline/records';
import { SIG_TYPE_ED25519 } from '@proofline/note';
import { verifierFor } from './ed25519/verifier.js';
import { VerificationError } from './errors.js';
import { decodeVerifierKey } from './keys.js';
import type { ResolvedPolicy } from './policy.js';

/** One key of a verified chain: it sealed `[start, end)` and signed trees up to `end`. */
export interface ChainKey {
  readonly verifier: Verifier;
  readonly start: number;
  readonly end: number;
}

/** Most handovers a policy may carry. */
const MAX_HANDOVERS = 1000;

/**
 * `policy` with the verified key chain of `keyHistory` (unchanged without one). Throws
 * VerificationError INVALID_POLICY when the history does not verify or does not name the
 * pinned key.
 */
export async function withKeyHistory(
  policy: ResolvedPolicy,
  logKey: string,
  keyHistory: unknown,
): Promise<ResolvedPolicy> {
  if (keyHistory === undefined) return policy;
  const invalid = (message: string, cause?: unknown) =>
    new VerificationError('INVALID_POLICY', 'bundle', `invalid TrustPolicy: ${message}`, { cause });
  if (
    !Array.isArray(keyHistory) ||
    keyHistory.length > MAX_HANDOVERS ||
    !keyHistory.every((n) => typeof n === 'string')
  ) {
    throw invalid(`keyHistory must be an array of at most ${MAX_HANDOVERS} handover notes`);
  }
  if (keyHistory.length === 0) return policy;
  const notes = keyHistory as string[];
  let chain: ChainKey[];
  try {
    const last = parseKeyHandoverText(parseNote(notes[notes.length - 1]!).text);
    const history = await verifyKeyHistory(notes, last.successor);
    chain = [
      ...history.retired.map((h) => ({ vkey: h.retired, start: h.start, end: h.end })),
      { vkey: history.current, start: history.currentStart, end: Infinity },
    ].map(({ vkey, start, end }) => ({
      verifier: verifierFor(decodeVerifierKey(vkey, SIG_TYPE_ED25519)),
      start,
      end,
    }));
    if (
      !chain.some(
        (k) => k.verifier.keyId === policy.log.keyId && k.verifier.name === policy.log.name,
      )
    ) {
      throw invalid(`the key history does not name the log key ${logKey}`);
    }
  } catch (cause) {
    if (cause instanceof VerificationError) throw cause;
    const message = cause instanceof RecordError ? cause.message : String(cause);
    throw invalid(`keyHistory does not verify: ${message}`, cause);
  }
  return Object.freeze({ ...policy, chain: Object.freeze(chain) });
}

/** The key that sealed the entries `[first, last]`, or undefined if no one key did. */
export function sealingKey(
  policy: ResolvedPolicy,
  first: number,
  last: number,
): Verifier | undefined {
  if (policy.chain === undefined) return policy.log;
  return policy.chain.find((k) => first >= k.start && last < k.end)?.verifier;
}
