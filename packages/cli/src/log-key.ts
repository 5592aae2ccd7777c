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

/** The environment variable naming a log's signer, like PROOFLINE_LOG_KEY_<NAME> for a key. */
export function signerEnvName(log: string): string {
  return `${SIGNER_ENV_PREFIX}${log.toUpperCase().replace(/-/g, '_')}`;
}

const SIGNER_ENV_PREFIX = 'PROOFLINE_LOG_SIGNER_';

/** The signers set in the environment (PROOFLINE_LOG_SIGNER_<NAME>), by log name. */
export function signersFromEnvironment(env: NodeJS.ProcessEnv = process.env): Map<string, string> {
  const signers = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(SIGNER_ENV_PREFIX) || value === undefined) continue;
    const log = name.slice(SIGNER_ENV_PREFIX.length).toLowerCase().replace(/_/g, '-');
    signers.set(log, value.trim());
  }
  return signers;
}

/**
 * The `--log-signer` values, `LOG=pkcs11:URI` or a bare `pkcs11:URI` for `commandLog` (the
 * command's `--log`, else `default`), by log name; `LOG.next=pkcs11:URI` is the log's
 * successor key during a rotation (docs/keys.md). Refuses a log given twice, an unknown
 * backend and a malformed URI (TypeError from parsePkcs11Uri), so a typo never falls back
 * to a key file.
 */
export function parseLogSigners(
  values: readonly string[],
  commandLog: string,
): Map<string, string> {
  const signers = new Map<string, string>();
  for (const value of values) {
    const m = /^(?:([a-z0-9-]+(?:\.next)?)=)?([a-z0-9]+):/.exec(value);
    if (!m || m[2] !== 'pkcs11') {
      throw new TypeError(
        `--log-signer ${JSON.stringify(value.replace(/pin-value=[^&]*/g, 'pin-value=…').slice(0, 80))}: expected [LOG=]pkcs11:URI (the default is the log's key file)`,
      );
    }
    const log = m[1] ?? commandLog;
    const uri = value.slice(m[1] === undefined ? 0 : m[1].length + 1);
    parsePkcs11Uri(uri);
    if (signers.has(log)) throw new TypeError(`--log-signer: log ${log} is given twice`);
    signers.set(log, uri);
  }
  return signers;
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
