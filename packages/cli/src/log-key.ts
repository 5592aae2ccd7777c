import {
  SIG_TYPE_ED25519,
  formatVerifierKey,
  keyId,
  type Signer,
  type SignerKey,
} from '@proofline/note';
import { openPkcs11Key, parsePkcs11Uri, readPin, type Pkcs11Key } from '@proofline/pkcs11';
import { nodeEd25519Signer, workerEd25519Signer, type SyncSigner } from '@proofline/sequencer';

/**
 * A log's signing key, whoever holds the private part: a key file or variable (`file`, the
 * default) or a PKCS#11 token (`pkcs11`). Its note key name is the log's origin.
 */
export interface LogKey {
  /** The note key name: the log's origin. */
  readonly name: string;
  readonly publicKey: Uint8Array;
  /** The C2SP verifier key, as registered with the log. */
  readonly verifierKey: string;
  /** Where the key is, for messages (a path, `$VARIABLE`, or a pkcs11: URI without secrets). */
  readonly source: string;
  /** Signs checkpoints (may sign on another thread or device). */
  readonly signer: Signer;
  /** Signs creation receipts inside a commit: synchronous. */
  readonly syncSigner: SyncSigner;
  /** Releases the key (a token session); signing afterwards fails. */
  close(): void;
}

/** A key file's (or variable's) key: node:crypto on a worker thread and on this one. */
export function fileLogKey(key: SignerKey, source: string): LogKey {
  return {
    name: key.name,
    publicKey: key.publicKey,
    verifierKey: formatVerifierKey(key.name, key.publicKey),
    source,
    signer: workerEd25519Signer(key.name, key.seed),
    syncSigner: nodeEd25519Signer(key.name, key.seed),
    close: () => {},
  };
}

/** A key opened on a token, before it is named (a new log's origin is decided later). */
export interface TokenKey {
  readonly key: Pkcs11Key;
  readonly uri: string;
}

/**
 * Opens the token key a pkcs11: URI names. The PIN is read now (file or variable); every
 * refusal (module, token, PIN, key) is a Pkcs11KeyError, thrown before the caller writes.
 */
export function openTokenKey(uri: string): TokenKey {
  const location = parsePkcs11Uri(uri);
  return { key: openPkcs11Key({ ...location, pin: readPin(location.pin) }), uri };
}

/** A token key as the note key `origin` (the token holds no name). */
export function tokenLogKey({ key, uri }: TokenKey, origin: string): LogKey {
  const syncSigner: SyncSigner = {
    name: origin,
    keyId: keyId(origin, SIG_TYPE_ED25519, key.publicKey),
    signSync: (message) => key.signSync(message),
    sign: async (message) => key.signSync(message),
  };
  return {
    name: origin,
    publicKey: key.publicKey,
    verifierKey: formatVerifierKey(origin, key.publicKey),
    source: uri,
    signer: syncSigner,
    syncSigner,
    close: () => key.close(),
  };
}
