/** Statements and keys the end-to-end tests build over and over. */
import { createHash } from 'node:crypto';
import { ed25519Verifier, parseVerifierKey } from '@proofline/note';

/**
 * Statement lines for `proofline append` / `attest -`: one `test.event` for each i in
 * [from, to), its digest the SHA-256 of `${tag} ${i}` (a tag per test keeps logs apart).
 */
export function statementLines(tag: string, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const digest = createHash('sha256').update(`${tag} ${i}`).digest('hex');
    out += `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }
  return out;
}

/** The note verifier of a C2SP verifier key (`name+id+key`). */
export function noteVerifier(vkey: string) {
  const { name, publicKey } = parseVerifierKey(vkey);
  return ed25519Verifier(name, publicKey);
}
