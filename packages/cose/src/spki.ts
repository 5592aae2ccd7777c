import { CoseError } from './errors.js';
import { checkPublicKey, type CosePublicKey } from './key.js';

// The fixed DER prefixes of the only two SubjectPublicKeyInfo shapes accepted (RFC 8410 §4 for
// Ed25519; RFC 5480 §2 id-ecPublicKey with namedCurve secp256r1 and an uncompressed point).
const ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2a,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x03,
  0x21,
  0x00,
);
const P256_PREFIX = Uint8Array.of(
  0x30,
  0x59,
  0x30,
  0x13,
  0x06,
  0x07,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x02,
  0x01,
  0x06,
  0x08,
  0x2a,
  0x86,
  0x48,
  0xce,
  0x3d,
  0x03,
  0x01,
  0x07,
  0x03,
  0x42,
  0x00,
  0x04,
);

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

/**
 * A DER SubjectPublicKeyInfo of an Ed25519 or (uncompressed) P-256 key, matched byte for byte
 * against the one DER encoding each has: nothing else is parsed. Throws MALFORMED_KEY.
 */
export function publicKeyFromSpki(der: Uint8Array): CosePublicKey {
  if (der.length === ED25519_PREFIX.length + 32 && startsWith(der, ED25519_PREFIX)) {
    return checkPublicKey({ kty: 'OKP', crv: 'Ed25519', x: der.slice(ED25519_PREFIX.length) });
  }
  if (der.length === P256_PREFIX.length + 64 && startsWith(der, P256_PREFIX)) {
    const at = P256_PREFIX.length;
    return checkPublicKey({
      kty: 'EC2',
      crv: 'P-256',
      x: der.slice(at, at + 32),
      y: der.slice(at + 32),
    });
  }
  throw new CoseError('MALFORMED_KEY', 'not an Ed25519 or uncompressed P-256 SubjectPublicKeyInfo');
}

/** A PEM `PUBLIC KEY` block (RFC 7468 §13) of an Ed25519 or P-256 key. Throws MALFORMED_KEY. */
export function publicKeyFromPem(pem: string): CosePublicKey {
  const match =
    /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]{1,4096})-----END PUBLIC KEY-----\r?\n?$/.exec(
      pem,
    );
  let der: Uint8Array;
  try {
    if (!match) throw new Error('no PUBLIC KEY block');
    der = Uint8Array.from(atob((match[1] as string).replace(/\r?\n/g, '')), (c) => c.charCodeAt(0));
  } catch (cause) {
    throw new CoseError('MALFORMED_KEY', 'not a PEM PUBLIC KEY block', { cause });
  }
  return publicKeyFromSpki(der);
}
