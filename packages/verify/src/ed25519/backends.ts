import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, equalBytes } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { webCryptoSubtle, type Subtle } from '../webcrypto.js';
import type { PublicKey } from './key.js';
import { PROBES } from './probes.js';

/** Where the final Ed25519 equation is checked. */
export type Backend = 'webcrypto' | 'noble';

const ALGORITHM = { name: 'Ed25519' } as const;
const { Point } = ed25519;

/**
 * The cofactorless RFC 8032 §5.1.7 equation with noble: k = SHA-512(R || A || M) mod L and
 * accept iff encode([S]B - [k]A) equals the bytes of R. Callers have checked that A is a
 * prime-order point and that R and S are canonical, so this is exactly [S]B = R + [k]A; it
 * implies that R, too, is in the prime-order subgroup (as B and A are), so no separate
 * [L]R check (about 1 ms in noble) is needed. noble's own `verify` is cofactored, which
 * would accept an R with a small-order component that WebCrypto platforms reject.
 */
export function nobleVerify(key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  const r = signature.subarray(0, 32);
  const s = bytesToNumberLE(signature.subarray(32, 64));
  const digest = sha512.create().update(r).update(key.bytes).update(message).digest();
  const k = Point.Fn.create(bytesToNumberLE(digest));
  const expected = Point.BASE.multiplyUnsafe(s).subtract(key.point.multiplyUnsafe(k));
  return equalBytes(expected.toBytes(), r);
}

/**
 * The same equation checked by the platform's WebCrypto, with the key imported once per
 * key. Falls back to noble where the platform refuses the key or the call, so a platform
 * quirk can never change a verdict. Once the key is imported, `subtle.verify` is called
 * before this returns (no await before it), so a caller can start several verifications,
 * which run on the platform's threads, and go on with other work meanwhile.
 */
export async function webCryptoVerify(
  key: PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const subtle = webCryptoSubtle();
  if (subtle !== undefined) {
    const imported = key.webCryptoKey ?? (await importKey(subtle, key));
    if (imported !== undefined) {
      try {
        return await subtle.verify(ALGORITHM, imported, signature, message);
      } catch {
        // Fall through to noble.
      }
    }
  }
  return nobleVerify(key, message, signature);
}

/** The key imported into WebCrypto, once per key; undefined if the platform refuses it. */
function importKey(subtle: Subtle, key: PublicKey): Promise<unknown> {
  key.webKey ??= subtle.importKey('raw', key.bytes, ALGORITHM, false, ['verify']).then(
    (imported) => {
      key.webCryptoKey = imported;
      return imported;
    },
    () => undefined,
  );
  return key.webKey;
}

/**
 * Whether the platform's WebCrypto has Ed25519 and reproduces the verdicts of PROBES: it
 * verifies RFC 8032 TEST 1, rejects a changed signature, and is cofactorless (rejects the
 * signature only a cofactored verifier accepts). Otherwise noble is used.
 */
async function probeWebCrypto(): Promise<Backend> {
  const subtle = webCryptoSubtle();
  if (subtle === undefined) return 'noble';
  try {
    for (const probe of PROBES) {
      const key = await subtle.importKey('raw', probe.publicKey, ALGORITHM, false, ['verify']);
      const valid = await subtle.verify(ALGORITHM, key, probe.signature, probe.message);
      if (valid !== probe.valid) return 'noble';
    }
    return 'webcrypto';
  } catch {
    return 'noble';
  }
}

let detected: Promise<Backend> | undefined;
let known: Backend | undefined;

/** The back end of this platform, detected once: 'webcrypto' when it passes the probes. */
export function detectBackend(): Promise<Backend> {
  detected ??= probeWebCrypto().then((backend) => (known = backend));
  return detected;
}

/** The back end, if detectBackend has already finished (so callers need not wait a turn). */
export function detectedBackend(): Backend | undefined {
  return known;
}
