import { readFileSync, statSync } from 'node:fs';
import { CoseError, decodeCoseKey, publicKeyFromPem, type CosePublicKey } from '@proofline/cose';
import { coseIssuerKey, formatCoseIssuerKey } from '@proofline/records';

/** Largest key file read (bytes): a PEM or COSE_Key of one public key is far smaller. */
const MAX_KEY_FILE = 16 * 1024;

/**
 * The stored text (`cose:...`, records' formatCoseIssuerKey) of the public key in `file`: a
 * PEM `PUBLIC KEY` (SubjectPublicKeyInfo) of an Ed25519 or P-256 key, or a CBOR COSE_Key.
 * The kid is `kid` (hex, 1..64 bytes), else the COSE_Key's own kid, else the key's RFC 9679
 * thumbprint; `iss` binds it to one CWT issuer. Throws an Error naming the file for anything
 * else, before anything is written.
 */
export function coseIssuerKeyFromFile(file: string, kid?: string, iss?: string): string {
  if (kid !== undefined && !/^(?:[0-9a-f]{2}){1,64}$/.test(kid)) {
    throw new Error('--kid must be 1 to 64 bytes in lowercase hex');
  }
  if (statSync(file).size > MAX_KEY_FILE) {
    throw new Error(`${file}: larger than ${MAX_KEY_FILE} bytes; not a public key file`);
  }
  const bytes = readFileSync(file);
  let key: CosePublicKey;
  try {
    key = bytes.subarray(0, 10).toString('latin1').startsWith('-----BEGIN')
      ? publicKeyFromPem(bytes.toString('utf8'))
      : decodeCoseKey(new Uint8Array(bytes));
  } catch (err) {
    if (!(err instanceof CoseError)) throw err;
    throw new Error(
      `${file}: not a PEM PUBLIC KEY or COSE_Key of an Ed25519 or P-256 public key (${err.message})`,
      { cause: err },
    );
  }
  const given = kid === undefined ? key.kid : Uint8Array.from(Buffer.from(kid, 'hex'));
  return formatCoseIssuerKey(
    coseIssuerKey(key, {
      ...(given === undefined ? {} : { kid: given }),
      ...(iss === undefined ? {} : { issuer: iss }),
    }),
  );
}
