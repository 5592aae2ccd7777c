/**
 * The keys an audit trusts, from the one key the auditor pinned. If the log's latest
 * checkpoint does not open with the pinned key, the log may have retired it: the log's
 * description (`GET <prefix>`, the same URL) lists its key history, which must verify
 * (every handover signed by both its keys, a chain ending at the served key) and name the
 * pinned key. The keys after it are then trusted through the chain, and each handover's tree
 * head (the last tree its retired key signed) becomes an anchor the audited tree must hold.
 */
import { MAX_NOTE_SIZE, parseNote, parseVerifierKey, type Verifier } from '@proofline/note';
import { fetchJson, parseJsonAnswer } from './json.js';

/**
 * Most bytes of a log's description (or a key-history file) read: its members and a key
 * history of up to MAX_HANDOVERS notes (a handover note is under 1 KiB).
 */
export const MAX_DESCRIPTION_BYTES = 1 << 20;
/** Most handover notes a key history may hold (as @proofline/verify's policy bound). */
const MAX_HANDOVERS = 1000;

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
 * The log's description at `base` (`GET <prefix>`): read within MAX_DESCRIPTION_BYTES and
 * parsed strictly (the server is untrusted); `apiKey` is sent as fetchBytes sends it.
 */
export function fetchDescription(base: string, apiKey?: string): Promise<unknown> {
  return fetchJson(base, "the log's description", MAX_DESCRIPTION_BYTES, apiKey);
}

/**
 * The key chain from `logKey` to the log's current key, from the description at `base`,
 * verified with verifyKeyChain of @proofline/verify (the one home of that check); the chain
 * must end at the key the description serves. Throws an Error naming why the description
 * does not vouch for it.
 */
export async function keyChain(base: string, logKey: string, apiKey?: string): Promise<AuditKeys> {
  const described = await fetchDescription(base, apiKey);
  const notes = handoversIn(described);
  const { verifierKey } = described as { verifierKey?: unknown };
  if (typeof verifierKey !== 'string' || notes.length === 0) {
    throw new Error(`the log's description lists no key history from the pinned key`);
  }
  // Loaded only here: an audit whose pinned key still signs never needs them (start-up time).
  const [{ verifyKeyChain }, { parseKeyHandoverText }] = await Promise.all([
    import('@proofline/verify'),
    import('@proofline/records'),
  ]);
  const links = await verifyKeyChain(logKey, notes);
  if (links[links.length - 1]!.verifierKey !== verifierKey) {
    throw new Error(`the log's key history does not end at the key it serves`);
  }
  // The keys before the pinned one are not needed: the audit starts from what it trusts.
  const chain = links.slice(links.findIndex((k) => k.pinned));
  return {
    keys: chain.map((k) => ({ verifier: k.verifier, maxSize: k.end })),
    handovers: chain.flatMap((k) =>
      k.handover === undefined
        ? []
        : [
            {
              size: k.end,
              rootHash: parseKeyHandoverText(parseNote(k.handover).text).rootHash,
              label: `the key handover at ${k.end}`,
            },
          ],
    ),
  };
}

/**
 * The handover notes of `retiredKeys` in a log description saved to a file (`--key-history
 * FILE` of verify and sample) or in key-history.json: handoversIn of the text, parsed
 * strictly within MAX_DESCRIPTION_BYTES. Throws an Error naming the problem.
 */
export function handoversOf(text: string): string[] {
  return handoversIn(parseJsonAnswer(text, 'the key history', MAX_DESCRIPTION_BYTES));
}

/**
 * The handover notes of `retiredKeys` in a log description (as served, or saved) or in
 * key-history.json, a parsed JSON value: at most MAX_HANDOVERS, each at most MAX_NOTE_SIZE
 * bytes. Shapes only: the notes are checked by verifyKeyChain of @proofline/verify, never
 * trusted. Throws an Error naming the problem.
 */
export function handoversIn(described: unknown): string[] {
  if (typeof described !== 'object' || described === null || Array.isArray(described))
    throw new Error('the key history: not a JSON object');
  const retired = (described as { retiredKeys?: unknown }).retiredKeys ?? [];
  if (!Array.isArray(retired) || retired.length > MAX_HANDOVERS) {
    throw new Error(
      `the key history: retiredKeys is not an array of at most ${MAX_HANDOVERS} retired keys`,
    );
  }
  return retired.map((r: unknown, i) => {
    const handover = (r as { handover?: unknown } | null)?.handover;
    if (typeof handover !== 'string' || Buffer.byteLength(handover) > MAX_NOTE_SIZE)
      throw new Error(
        `the key history: retired key ${i} has no handover note of at most ${MAX_NOTE_SIZE} bytes`,
      );
    return handover;
  });
}
