import { ALG_EDDSA, ed25519CoseKey, ed25519Kid, type CosePublicKey } from '@proofline/cose';
import { parseVerifierKey } from '@proofline/note';
import type { LogConfig } from '@proofline/storage';
import type { RetiredKeyDescription } from '../key-history.js';

/**
 * The Transparency Service keys (SCRAPI `/.well-known/scitt-keys`): the Ed25519 key of every
 * log, current and retired (its key history), each as an OKP COSE_Key with alg EdDSA (-8) and
 * kid = its RFC 9679 thumbprint, the kid in the protected header of its receipts. A key
 * shared by several logs is listed once. Order: logs in the directory's order, each log's
 * current key first, then its retired keys oldest first.
 */
export function serviceKeys(
  logs: readonly { readonly log: LogConfig; readonly retired: readonly RetiredKeyDescription[] }[],
): CosePublicKey[] {
  const keys = new Map<string, CosePublicKey>();
  for (const { log, retired } of logs) {
    for (const vkey of [log.verifierKey, ...retired.map((r) => r.verifierKey)]) {
      const { publicKey } = parseVerifierKey(vkey);
      const kid = ed25519Kid(publicKey);
      const id = Buffer.from(kid).toString('hex');
      if (!keys.has(id)) keys.set(id, { ...ed25519CoseKey(publicKey), kid, alg: ALG_EDDSA });
    }
  }
  return [...keys.values()];
}
