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
  /** Whether this is the pinned key (compared by name and public key, never by key id). */
  readonly pinned: boolean;
  readonly start: number;
  readonly end: number;
}

/** Most handovers a policy may carry. */
const MAX_HANDOVERS = 1000;
/** Verified chains by their notes (a history never changes its meaning). */
const MAX_CACHED_CHAINS = 16;
const verifiedChains = new Map<string, Promise<readonly ChainEntry[]>>();

/** The keys of a chain of handover notes, verified; rejects with the RecordError. */
async function verifyChain(notes: readonly string[]): Promise<readonly ChainEntry[]> {
  const last = parseKeyHandoverText(parseNote(notes[notes.length - 1]!).text);
  const history = await verifyKeyHistory(notes, last.successor);
  return Object.freeze(
    [
      ...history.retired.map((h) => ({
        vkey: h.retired,
        start: h.start,
        end: h.end,
        handover: h.note,
      })),
      { vkey: history.current, start: history.currentStart, end: Infinity },
    ].map(({ vkey, start, end, ...rest }) => {
      const key = decodeVerifierKey(vkey, SIG_TYPE_ED25519);
      return { key, vkey, verifier: verifierFor(key), start, end, ...rest };
    }),
  );
}

/** A verified chain's key, before it is compared with the pinned key. */
interface ChainEntry extends Omit<ChainKey, 'pinned'> {
  readonly key: { readonly name: string; readonly publicKey: Uint8Array };
  readonly vkey: string;
  /** The handover note that retired this key (none for the last key). */
  readonly handover?: string;
}

/**
 * One key of a verified chain as a verdict names it: the C2SP verifier key, the entries
 * `[start, end)` whose receipts it sealed (`end` Infinity for the log's current key, which
 * also signs every later tree), whether it is the pinned key, and the handover note, as
 * signed, that retired it.
 */
export interface KeyChainLink extends ChainKey {
  readonly verifierKey: string;
  readonly handover?: string;
}

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
  const links = await verifyKeyChain(logKey, keyHistory);
  if (links.length === 0) return policy;
  const chain = links.map(({ verifier, start, end, pinned }) =>
    Object.freeze({ verifier, start, end, pinned }),
  );
  return Object.freeze({ ...policy, chain: Object.freeze(chain) });
}

/**
 * The verified key chain of `keyHistory` (handover notes, untrusted: see the module comment)
 * pinned to `logKey`, oldest key first; empty without a history (undefined or []). The one
 * home of this check for bundles, tlog-proofs and evidence packages. Throws VerificationError
 * INVALID_POLICY (its cause the RecordError INVALID_KEY_HISTORY when the notes do not form a
 * chain) when the history does not verify or does not name the pinned key.
 */
export async function verifyKeyChain(
  logKey: string,
  keyHistory: unknown,
): Promise<readonly KeyChainLink[]> {
  if (keyHistory === undefined) return [];
  const invalid = (message: string, cause?: unknown) =>
    new VerificationError('INVALID_POLICY', 'bundle', `invalid TrustPolicy: ${message}`, { cause });
  if (
    !Array.isArray(keyHistory) ||
    keyHistory.length > MAX_HANDOVERS ||
    !keyHistory.every((n) => typeof n === 'string')
  ) {
    throw invalid(`keyHistory must be an array of at most ${MAX_HANDOVERS} handover notes`);
  }
  if (keyHistory.length === 0) return [];
  const notes = keyHistory as string[];
  // Verified once per history (two signatures per handover), then shared by every
  // verification with the same policy: a package of many bundles pays it once.
  const cacheKey = notes.join('\n\u0000');
  let verified = verifiedChains.get(cacheKey);
  if (verified === undefined) {
    if (verifiedChains.size >= MAX_CACHED_CHAINS) verifiedChains.clear();
    verified = verifyChain(notes);
    verifiedChains.set(cacheKey, verified);
    verified.catch(() => verifiedChains.delete(cacheKey));
  }
  let entries: readonly ChainEntry[];
  try {
    entries = await verified;
  } catch (cause) {
    const message = cause instanceof RecordError ? cause.message : String(cause);
    throw invalid(`keyHistory does not verify: ${message}`, cause);
  }
  // By name and public key: a key id is 32 bits, which a forger can collide with.
  const pinnedKey = decodeVerifierKey(logKey, SIG_TYPE_ED25519);
  const chain: KeyChainLink[] = entries.map(({ verifier, start, end, key, vkey, handover }) =>
    Object.freeze({
      verifier,
      verifierKey: vkey,
      start,
      end,
      pinned: key.name === pinnedKey.name && equalBytes(key.publicKey, pinnedKey.publicKey),
      ...(handover === undefined ? {} : { handover }),
    }),
  );
  if (!chain.some((k) => k.pinned)) {
    throw invalid(`the key history does not name the log key ${logKey}`);
  }
  return Object.freeze(chain);
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

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
