import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  coseKeyThumbprint,
  ed25519CoseSigner,
  es256CoseSigner,
  type CoseKeySigner,
} from '@proofline/cose';
import { UsageError } from './cli/command.js';

/**
 * SCITT statement keys (the issuer keys of signed statements) as files: a PKCS#8 PEM private
 * key, Ed25519 (EdDSA) or P-256 (ES256), the form `openssl genpkey` writes. The public half,
 * PEM SubjectPublicKeyInfo, is what `issuer-key add --cose-key` registers for a tenant.
 */

/** The algorithms a statement key may have. */
export const STATEMENT_KEY_ALGS = ['EdDSA', 'ES256'] as const;
export type StatementKeyAlg = (typeof STATEMENT_KEY_ALGS)[number];

function bytesOf(b64url: string | undefined, what: string): Uint8Array {
  const bytes = new Uint8Array(Buffer.from(b64url ?? '', 'base64url'));
  if (bytes.length !== 32) throw new UsageError(`${what}: not a 32-byte private key`);
  return bytes;
}

/**
 * The signer of the PKCS#8 PEM private key `pem` (read from `what`, named in errors): an
 * Ed25519 key signs EdDSA (-8), a P-256 key ES256 (-7). Anything else (another curve, RSA, a
 * public key, an encrypted or malformed PEM) is a UsageError, before anything is sent.
 */
export function statementSigner(pem: string, what: string): CoseKeySigner {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new UsageError(`${what}: not a PKCS#8 PEM private key (${(err as Error).message})`);
  }
  const jwk = key.export({ format: 'jwk' });
  if (key.asymmetricKeyType === 'ed25519') {
    return ed25519CoseSigner(bytesOf(jwk.d, what));
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    return es256CoseSigner(bytesOf(jwk.d, what));
  }
  throw new UsageError(
    `${what}: a statement key is Ed25519 or P-256, not ${key.asymmetricKeyType}`,
  );
}

/** The PEM SubjectPublicKeyInfo of a signer's public key. */
export function publicKeyPem(signer: CoseKeySigner): string {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  const k = signer.publicKey;
  const jwk =
    k.kty === 'OKP'
      ? { kty: 'OKP', crv: 'Ed25519', x: b64(k.x) }
      : { kty: 'EC', crv: 'P-256', x: b64(k.x), y: b64(k.y) };
  return createPublicKey({ key: jwk, format: 'jwk' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
}

/**
 * `proofline statement-key generate`: writes a new private key to `out` (mode 0600; an
 * existing file is refused, never overwritten) and prints its public key (PEM SPKI, for
 * `issuer-key add --cose-key`) and its RFC 9679 thumbprint, the default kid of `attest --scitt`.
 */
export function generateStatementKey(out: string, alg: StatementKeyAlg): number {
  const { privateKey } =
    alg === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    writeFileSync(out, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    process.stderr.write(
      `proofline: ${code === 'EEXIST' ? `${out} exists: not overwritten` : (err as Error).message}\n`,
    );
    return 1;
  }
  const signer = statementSigner(pem, out);
  process.stdout.write(publicKeyPem(signer));
  process.stderr.write(
    `proofline: wrote the ${alg} private key to ${out}; kid (RFC 9679 thumbprint) ` +
      `${Buffer.from(coseKeyThumbprint(signer.publicKey)).toString('hex')}\n`,
  );
  return 0;
}
