/**
 * The keys an audit trusts, from the one key the auditor pinned. If the log's latest
 * checkpoint does not open with the pinned key, the log may have retired it: the log's
 * description (`GET <prefix>`, the same URL) lists its key history, which must verify
 * (every handover signed by both its keys, a chain ending at the served key) and name the
 * pinned key. The keys after it are then trusted through the chain, and each handover's tree
 * head (the last tree its retired key signed) becomes an anchor the audited tree must hold.
 */
import { parseVerifierKey, type Verifier } from '@proofline/note';
import { verifyKeyHistory } from '@proofline/records';
import { fetchText } from './fetch.js';

/** A tree head the log must still contain (a trusted checkpoint, a key handover). */
export interface Anchor {
  readonly size: number;
  readonly rootHash: Uint8Array;
  readonly label: string;
}

/** A trusted key, and the largest tree it may sign (a retired key: its handover's end). */
export interface TrustedKey {
  readonly verifier: Verifier;
  readonly maxSize: number;
}

export interface AuditKeys {
  /** Trusted keys, the pinned one first, the log's current key last. */
  readonly keys: readonly TrustedKey[];
  /** The handovers from the pinned key on, as anchors. */
  readonly handovers: readonly Anchor[];
}

/** Only the pinned key (the log never retired it, or the caller did not need the chain). */
export function pinnedOnly(logKey: string): AuditKeys {
  return { keys: [{ verifier: parseVerifierKey(logKey), maxSize: Infinity }], handovers: [] };
}

/**
 * The key chain from `logKey` to the log's current key, from the description at `base`.
 * Throws an Error naming why the description does not vouch for it.
 */
export async function keyChain(base: string, logKey: string): Promise<AuditKeys> {
  const described = JSON.parse(await fetchText(base)) as {
    verifierKey?: unknown;
    retiredKeys?: unknown;
  };
  const retired = Array.isArray(described.retiredKeys) ? described.retiredKeys : [];
  if (typeof described.verifierKey !== 'string' || retired.length === 0) {
    throw new Error(`the log's description lists no key history from the pinned key`);
  }
  const notes = retired.map((r) => (r as { handover?: unknown })?.handover);
  if (!notes.every((n): n is string => typeof n === 'string')) {
    throw new Error(`the log's description has malformed retiredKeys`);
  }
  const history = await verifyKeyHistory(notes, described.verifierKey);
  const from = history.retired.findIndex((h) => h.retired === logKey);
  if (from < 0) throw new Error(`the log's key history does not name the pinned key`);
  const chain = history.retired.slice(from);
  return {
    keys: [
      ...chain.map((h) => ({ verifier: parseVerifierKey(h.retired), maxSize: h.end })),
      { verifier: parseVerifierKey(history.current), maxSize: Infinity },
    ],
    handovers: chain.map((h) => ({
      size: h.end,
      rootHash: h.rootHash,
      label: `the key handover at ${h.end}`,
    })),
  };
}
