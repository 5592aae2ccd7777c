import { base64Encode } from './base64.js';
import { NoteError, type NoteErrorCode } from './errors.js';
import { formatKeyIdHex } from './key-id.js';
import { isParsedNote, parseNote, type Note, type NoteSignature } from './note.js';
import { utf8Encode } from './text.js';
import type { Verifier } from './verifier.js';

/** A note whose signatures were checked against a set of known keys. */
export interface OpenedNote {
  readonly text: string;
  /** Valid signatures by known keys, one per key, in note order. */
  readonly verified: readonly NoteSignature[];
  /** Signatures by unknown keys, exact duplicates dropped, in note order. */
  readonly unverified: readonly NoteSignature[];
}

interface KnownKey {
  readonly verifier: Verifier;
  readonly ambiguous: boolean;
}

function index(verifiers: readonly Verifier[]): Map<string, KnownKey> {
  const known = new Map<string, KnownKey>();
  for (const verifier of verifiers) {
    const key = `${verifier.name}\n${verifier.keyId}`;
    known.set(key, { verifier, ambiguous: known.has(key) });
  }
  return known;
}

/** The NoteError `code` about the key of `sig`: "<what> <name>+<key id hex>". */
function keyError(sig: NoteSignature, code: NoteErrorCode, what: string): NoteError {
  const details = { keyName: sig.name, keyId: sig.keyId };
  return new NoteError(code, `${what} ${sig.name}+${formatKeyIdHex(sig.keyId)}`, { details });
}

/**
 * Parses `note` (see parseNote) and checks its signatures (c2sp.org/signed-note §Signatures),
 * with golang.org/x/mod/sumdb/note Open semantics:
 * - a signature whose (name, key id) matches no verifier is returned as unverified;
 * - one that matches two or more verifiers throws AMBIGUOUS_KEY (unused duplicates are fine);
 * - one that matches a verifier must verify, else INVALID_SIGNATURE. Unlike Go, a second,
 *   different signature by an already verified key is verified too (the spec's MUST);
 * - with no verified signature at all, UNVERIFIED_NOTE.
 * Exact duplicate signature lines are ignored. `note` may also be a Note that parseNote
 * returned, which is not parsed again. Throws NoteError; an error thrown by a verifier
 * propagates unchanged.
 */
export async function openNote(
  note: string | Uint8Array | Note,
  verifiers: readonly Verifier[],
): Promise<OpenedNote> {
  const parsed = isParsedNote(note) ? note : parseNote(note as string | Uint8Array);
  const known = index(verifiers);
  const message = utf8Encode(parsed.text);
  const verified: NoteSignature[] = [];
  const unverified: NoteSignature[] = [];
  const seenLines = new Set<string>();
  const verifiedKeys = new Set<string>();
  for (const sig of parsed.signatures) {
    const key = `${sig.name}\n${sig.keyId}`;
    const line = `${key}\n${base64Encode(sig.signature)}`;
    if (seenLines.has(line)) continue;
    seenLines.add(line);
    const match = known.get(key);
    if (match === undefined) {
      unverified.push(sig);
      continue;
    }
    if (match.ambiguous) throw keyError(sig, 'AMBIGUOUS_KEY', 'ambiguous key');
    if ((await match.verifier.verify(message, sig.signature)) !== true) {
      throw keyError(sig, 'INVALID_SIGNATURE', 'invalid signature for key');
    }
    if (!verifiedKeys.has(key)) {
      verifiedKeys.add(key);
      verified.push(sig);
    }
  }
  if (verified.length === 0) {
    throw new NoteError('UNVERIFIED_NOTE', 'note has no verifiable signatures');
  }
  return Object.freeze({
    text: parsed.text,
    verified: Object.freeze(verified),
    unverified: Object.freeze(unverified),
  });
}
