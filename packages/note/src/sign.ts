import { NoteError } from './errors.js';
import { isUint32, isValidKeyName } from './key-id.js';
import { MAX_SIGNATURES, checkNoteText, formatNote, type NoteSignature } from './note.js';
import type { Signer } from './signer.js';
import { utf8Encode } from './text.js';

/**
 * Signs `text` (which must be a valid note text: ends in newline, no control characters but
 * newline) with each signer in order and returns the encoded note
 * (c2sp.org/signed-note §Format). Signers must have distinct (name, key id) pairs.
 * Throws NoteError INVALID_ARGUMENT; an error thrown by a signer propagates unchanged.
 */
export async function signNote(text: string, signers: readonly Signer[]): Promise<string> {
  checkNoteText(text);
  if (signers.length === 0 || signers.length > MAX_SIGNATURES) {
    throw new NoteError('INVALID_ARGUMENT', `a note has 1 to ${MAX_SIGNATURES} signatures`);
  }
  const keys = new Set<string>();
  for (const signer of signers) {
    if (!isValidKeyName(signer.name) || !isUint32(signer.keyId)) {
      throw new NoteError('INVALID_ARGUMENT', 'invalid signer name or key id');
    }
    const key = `${signer.name}\n${signer.keyId}`;
    if (keys.has(key)) throw new NoteError('INVALID_ARGUMENT', 'duplicate signer');
    keys.add(key);
  }
  const message = utf8Encode(text);
  const signatures: NoteSignature[] = [];
  for (const signer of signers) {
    signatures.push({
      name: signer.name,
      keyId: signer.keyId,
      signature: await signer.sign(message),
    });
  }
  return formatNote({ text, signatures });
}
