import { createHash } from 'node:crypto';

/** The lookup key the crash test gives entry i: 48 bits of SHA-256(i), spread over the key space. */
export function lookupKeyOf(i: number): number {
  return createHash('sha256').update(String(i)).digest().readUIntBE(0, 6);
}
