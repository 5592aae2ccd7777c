import { parseVerifierKey } from '@proofline/note';
import type { KeyChainLink } from '@proofline/verify';
import { checkProofCheckpoints, fail, pass, type Item, type OpenedCheckpoints } from './check.js';
import type { AuditClient } from './client.js';
import { describeChain, KeyHistoryProblem, otherSealer, verifyHandovers } from './key-history.js';
import type { PopulationProof } from './population.js';

/**
 * Where the handover notes of a log's key history come from, for checking a population proof
 * of a log that may have retired a key (docs/keys.md): the log's description as served, or a
 * file the auditor gives. The notes are untrusted; only verifyHandovers makes them count.
 */
export interface KeyHistorySource {
  /** How a verdict names the source for `log` ("the log's description (GET /logs/default/)"). */
  name(log: string): string;
  /** What it means that the source holds no notes, for a checkpoint that needs them. */
  readonly absent: string;
  /**
   * The handover notes of `log`, oldest first (none before the log retired a key); rejects
   * with KeyHistoryProblem KEY_HISTORY_MALFORMED when the source's history breaks its shape.
   */
  notes(log: string): Promise<readonly string[]>;
}

/**
 * The log's key history as the audit API's server describes it (`GET /logs/<log>/`), fetched
 * once per check: the notes are untrusted until checkPopulationProof verifies them.
 */
export function servedKeyHistory(client: AuditClient): KeyHistorySource {
  return {
    name: (log) => `the log's description (GET /logs/${log}/)`,
    absent: "the log's description lists no retired key (retiredKeys)",
    notes: (log) => client.keyHistory(log),
  };
}

export interface ProofCheck {
  readonly items: Item[];
  readonly opened: OpenedCheckpoints;
  /** The chain's verifier key that opened each checkpoint (see checkProofCheckpoints). */
  readonly signers: Partial<Record<'start' | 'end' | 'latest', string>>;
  /** The notes the source gave (empty without a source or history), verified or not. */
  readonly notes: readonly string[];
  /** The verified key chain; undefined without a history or when it failed. */
  readonly chain?: readonly KeyChainLink[];
}

const CHECKPOINTS = [
  ['start', 'startCheckpoint'],
  ['end', 'endCheckpoint'],
  ['latest', 'latestCheckpoint'],
] as const;

/**
 * Checks a population proof's checkpoints and consistency proofs (checkProofCheckpoints)
 * against the pinned `logKey` and, when `keyHistory` holds handover notes, against the key
 * chain they verify to (pinned to `logKey`, current or retired): each checkpoint is then
 * opened by the key of the chain that covered its tree. The items name the chain
 * (`key-history`). Nothing unsigned switches a check off: a history that does not verify
 * fails the `key-history` item (INVALID_KEY_HISTORY, KEY_HISTORY_UNTRUSTED) and the
 * checkpoints are opened with the pinned key alone, as they are when the source's history
 * breaks its shape (KEY_HISTORY_MALFORMED, a KeyHistoryProblem of the source); a checkpoint
 * signed by another key of the log while the source holds no history fails, named, with
 * KEY_HISTORY_MISSING. Rejects only when the source cannot be read.
 */
export async function checkPopulationProof(
  proof: PopulationProof,
  logKey: string,
  keyHistory?: KeyHistorySource,
): Promise<ProofCheck> {
  const verifier = parseVerifierKey(logKey);
  const items: Item[] = [];
  let notes: readonly string[] = [];
  let offered = false;
  try {
    notes = keyHistory ? await keyHistory.notes(proof.log) : [];
    offered = notes.length > 0;
  } catch (err) {
    if (!(err instanceof KeyHistoryProblem)) throw err;
    offered = true;
    items.push(fail('key-history', `${keyHistory!.name(proof.log)}: ${err.message}`, err.code));
  }
  let chain: readonly KeyChainLink[] | undefined;
  if (notes.length > 0) {
    const source = keyHistory!.name(proof.log);
    try {
      chain = await verifyHandovers(logKey, notes);
      items.push(
        pass(
          'key-history',
          `the log's key chain, verified from ${notes.length} signed handover${notes.length === 1 ? '' : 's'} of ${source} against the key you trust: ${describeChain(chain, source)}`,
        ),
      );
    } catch (err) {
      if (!(err instanceof KeyHistoryProblem)) throw err;
      items.push(fail('key-history', `${source}: ${err.message}`, err.code));
    }
  }
  const checked = await checkProofCheckpoints(proof, verifier, chain);
  if (!offered) {
    // Only when no history was offered: a history that failed has its own code already.
    for (const [which, member] of CHECKPOINTS) {
      const ref = proof[member];
      const at = checked.items.findIndex(
        (i) => i.name === `${which}-checkpoint` && i.status === 'fail',
      );
      const sealer = ref && otherSealer(ref.note, proof.origin, verifier.keyId);
      if (at < 0 || checked.opened[which] || sealer === undefined) continue;
      checked.items[at] = fail(
        `${which}-checkpoint`,
        `the ${which} checkpoint of the proof (published ${ref!.publishedAt}) is signed by another key of the log, ${sealer}, not the key you trust, and ${keyHistory?.absent ?? 'no key history was given'}: no signed handover vouches for that key (${checked.items[at]!.detail})`,
        'KEY_HISTORY_MISSING',
      );
    }
  }
  items.push(...checked.items);
  return {
    items,
    opened: checked.opened,
    signers: checked.signers,
    notes,
    ...(chain ? { chain } : {}),
  };
}
