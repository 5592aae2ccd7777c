import {
  SIG_TYPE_ED25519,
  formatVerifierKey,
  keyId,
  type Signer,
  type SignerKey,
} from '@proofline/note';
import { openPkcs11Key, parsePkcs11Uri, readPin, type Pkcs11Key } from '@proofline/pkcs11';
import {
  nodeEd25519Signer,
  openExecKey,
  workerEd25519Signer,
  type ExecKey,
  type SyncSigner,
} from '@proofline/sequencer';
import { parseExecCommand } from './log-signers.js';

/**
 * A log's signing key, whoever holds the private part: a key file or variable (`file`, the
 * default), a PKCS#11 token (`pkcs11`) or an external program (`exec`). Its note key name is
 * the log's origin.
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
  /**
   * Signs creation receipts (ReceiptSealer): synchronously when it can (a key file, a token),
   * else asynchronously (an external program).
   */
  readonly receiptSigner: SyncSigner | Signer;
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
    receiptSigner: nodeEd25519Signer(key.name, key.seed),
    close: () => {},
  };
}

/**
 * A key held outside Proofline (`--log-signer`), opened before it is named (a new log's
 * origin is decided later): a token's or an external program's.
 */
export interface TokenKey {
  readonly key: Pkcs11Key | ExecKey;
  /** The pkcs11: URI or exec: command, for messages. */
  readonly uri: string;
}

/**
 * Opens the key a `--log-signer` value names. A pkcs11: URI's PIN is read now (file or
 * variable), and every refusal (module, token, PIN, key) is a Pkcs11KeyError; an exec:
 * program is started and asked for its public key (ExecSignerError START). Either is thrown
 * before the caller writes.
 */
export async function openTokenKey(uri: string): Promise<TokenKey> {
  if (uri.startsWith('exec:')) {
    return { key: await openExecKey({ command: parseExecCommand(uri) }), uri };
  }
  const location = parsePkcs11Uri(uri);
  return { key: openPkcs11Key({ ...location, pin: readPin(location.pin) }), uri };
}

/** A token's or program's key as the note key `origin` (neither holds a name). */
export function tokenLogKey({ key, uri }: TokenKey, origin: string): LogKey {
  const id = keyId(origin, SIG_TYPE_ED25519, key.publicKey);
  const signer: SyncSigner | Signer =
    'signSync' in key
      ? {
          name: origin,
          keyId: id,
          signSync: (message) => key.signSync(message),
          sign: async (message) => key.signSync(message),
        }
      : { name: origin, keyId: id, sign: (message) => key.sign(message) };
  return {
    name: origin,
    publicKey: key.publicKey,
    verifierKey: formatVerifierKey(origin, key.publicKey),
    source: uri,
    signer,
    receiptSigner: signer,
    close: () => key.close(),
  };
}
