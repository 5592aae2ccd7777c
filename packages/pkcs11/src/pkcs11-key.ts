import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { Pkcs11KeyError } from './errors.js';

type Pkcs11Module = typeof import('pkcs11js');
type Pkcs11 = InstanceType<Pkcs11Module['PKCS11']>;
type Handle = Buffer;

/** PKCS#11 3.0 constants that pkcs11js 2.1 does not name. */
const CKK_EC_EDWARDS = 0x40;
const CKM_EDDSA = 0x1057;

/** Where the key is: a PKCS#11 module, a token of it (by label) and a key on it (by label). */
export interface Pkcs11KeyLocation {
  /** Path of the PKCS#11 module, e.g. /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so. */
  readonly module: string;
  /** CKA_LABEL of the token (trailing blanks ignored). Must name exactly one present token. */
  readonly token: string;
  /** CKA_LABEL shared by the Ed25519 private key and its public key object. */
  readonly key: string;
}

export interface Pkcs11KeyOptions extends Pkcs11KeyLocation {
  /** The user PIN. Callers read it from a file or the environment, never from argv. */
  readonly pin: string;
}

/**
 * An Ed25519 key whose private part stays in a PKCS#11 token. Naming it (a note key name and
 * key id) is the caller's business: the token holds no name.
 */
export interface Pkcs11Key {
  /** The raw 32-byte Ed25519 public key, as read from the token. */
  readonly publicKey: Uint8Array;
  /** A 64-byte RFC 8032 signature (C_Sign is synchronous). TypeError for an empty message. */
  signSync(message: Uint8Array): Uint8Array;
  /** Closes the session; the module is finalized when its last key closes. Idempotent. */
  close(): void;
}

interface LoadedModule {
  readonly pkcs11: Pkcs11;
  readonly lib: Pkcs11Module;
  users: number;
}

/** One loaded, initialized module per path: C_Initialize is per process, not per signer. */
const modules = new Map<string, LoadedModule>();

function loadModule(path: string): LoadedModule {
  const loaded = modules.get(path);
  if (loaded) return loaded;
  let lib: Pkcs11Module;
  let pkcs11: Pkcs11;
  try {
    // Loaded on first use: deployments with file keys never load the native addon.
    lib = createRequire(import.meta.url)('pkcs11js') as Pkcs11Module;
    pkcs11 = new lib.PKCS11();
    pkcs11.load(path);
  } catch (cause) {
    throw new Pkcs11KeyError(
      'MODULE_UNAVAILABLE',
      `cannot load the PKCS#11 module ${path}: ${(cause as Error).message}`,
      { cause },
    );
  }
  try {
    pkcs11.C_Initialize();
  } catch (cause) {
    if (!hasCode(cause, lib.CKR_CRYPTOKI_ALREADY_INITIALIZED)) {
      throw new Pkcs11KeyError(
        'MODULE_UNAVAILABLE',
        `the PKCS#11 module ${path} failed to initialize: ${(cause as Error).message}`,
        { cause },
      );
    }
  }
  const entry = { pkcs11, lib, users: 0 };
  modules.set(path, entry);
  return entry;
}

function releaseModule(path: string, entry: LoadedModule): void {
  if (--entry.users > 0) return;
  modules.delete(path);
  try {
    entry.pkcs11.C_Finalize();
  } finally {
    entry.pkcs11.close();
  }
}

function hasCode(err: unknown, code: number): boolean {
  return (err as { code?: unknown }).code === code;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The slot holding the one present token labelled `label`. */
function findSlot(pkcs11: Pkcs11, label: string, module: string): Handle {
  const found: Handle[] = [];
  const labels: string[] = [];
  for (const slot of pkcs11.C_GetSlotList(true)) {
    const tokenLabel = pkcs11.C_GetTokenInfo(slot).label.replace(/[ \0]+$/, '');
    labels.push(JSON.stringify(tokenLabel));
    if (tokenLabel === label) found.push(slot);
  }
  if (found.length === 1) return found[0]!;
  throw new Pkcs11KeyError(
    'TOKEN_NOT_FOUND',
    found.length === 0
      ? `no token labelled ${JSON.stringify(label)} in ${module} (present: ${labels.filter((l) => l !== '""').join(', ') || 'none'})`
      : `${found.length} tokens are labelled ${JSON.stringify(label)} in ${module}; give each a unique label`,
  );
}

function findObjects(
  pkcs11: Pkcs11,
  session: Handle,
  template: { type: number; value: number | string }[],
): Handle[] {
  pkcs11.C_FindObjectsInit(session, template);
  try {
    return pkcs11.C_FindObjects(session, 2);
  } finally {
    pkcs11.C_FindObjectsFinal(session);
  }
}

const EC_PARAMS_ED25519 = [
  // PrintableString "edwards25519" (PKCS#11 3.0 curve name; SoftHSM2, OpenSC)
  Buffer.from('130c656477617264733235353139', 'hex'),
  // OBJECT IDENTIFIER 1.3.101.112 (id-Ed25519, RFC 8410)
  Buffer.from('06032b6570', 'hex'),
];

/** The 32-byte public key from CKA_EC_POINT: a DER OCTET STRING of 32 bytes, or the raw 32 bytes. */
function edwardsPoint(point: Buffer): Uint8Array | undefined {
  if (point.length === 34 && point[0] === 0x04 && point[1] === 0x20) return point.subarray(2);
  if (point.length === 32) return point;
  return undefined;
}

/**
 * Opens an Ed25519 key on a PKCS#11 token: loads the module, finds the token by
 * label, logs in with the PIN, finds the private and public key by label, and signs a test
 * message that must verify with the public key (so a mismatched pair fails here, not in an
 * auditor's hands). Every failure is a Pkcs11KeyError thrown before the caller has signed
 * or written anything; the session is closed again on failure.
 *
 * Sessions are used from one thread (the event loop), one operation at a time. A session the
 * token dropped (CKR_SESSION_HANDLE_INVALID, CKR_USER_NOT_LOGGED_IN ...) is reopened once per
 * signature; anything else fails the signature with SIGN_FAILED.
 */
export function openPkcs11Key(options: Pkcs11KeyOptions): Pkcs11Key {
  const entry = loadModule(options.module);
  entry.users++;
  const { pkcs11, lib } = entry;
  const where = `key ${JSON.stringify(options.key)} on token ${JSON.stringify(options.token)}`;
  let session: Handle | undefined;

  const closeSession = (): void => {
    if (session === undefined) return;
    const s = session;
    session = undefined;
    try {
      pkcs11.C_CloseSession(s);
    } catch {
      // Already closed by the token (removed, reset): nothing left to release.
    }
  };

  /** Opens a session, logs in, and returns the private key's handle. */
  const connect = (): Handle => {
    const slot = findSlot(pkcs11, options.token, options.module);
    session = pkcs11.C_OpenSession(slot, lib.CKF_SERIAL_SESSION);
    try {
      pkcs11.C_Login(session, lib.CKU_USER, options.pin);
    } catch (cause) {
      // Login state is per application and token: another signer of this process may hold it.
      if (!hasCode(cause, lib.CKR_USER_ALREADY_LOGGED_IN)) {
        throw new Pkcs11KeyError(
          'LOGIN_FAILED',
          `token ${JSON.stringify(options.token)} refused the login: ${message(cause)}`,
          { cause },
        );
      }
    }
    const keys = findObjects(pkcs11, session, [
      { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
      { type: lib.CKA_LABEL, value: options.key },
      { type: lib.CKA_KEY_TYPE, value: CKK_EC_EDWARDS },
    ]);
    if (keys.length !== 1) {
      const any = findObjects(pkcs11, session, [
        { type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY },
        { type: lib.CKA_LABEL, value: options.key },
      ]);
      if (keys.length === 0 && any.length > 0) {
        throw new Pkcs11KeyError('UNSUPPORTED_KEY', `${where} is not an EdDSA key`);
      }
      throw new Pkcs11KeyError(
        'KEY_NOT_FOUND',
        keys.length === 0
          ? `no private ${where}`
          : `several private keys are labelled ${JSON.stringify(options.key)} on token ${JSON.stringify(options.token)}`,
      );
    }
    return keys[0]!;
  };

  const readPublicKey = (): Uint8Array => {
    const found = findObjects(pkcs11, session!, [
      { type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY },
      { type: lib.CKA_LABEL, value: options.key },
    ]);
    if (found.length !== 1) {
      throw new Pkcs11KeyError(
        'UNSUPPORTED_KEY',
        `${where}: expected one public key object with that label, found ${found.length}`,
      );
    }
    const [params, point] = pkcs11.C_GetAttributeValue(session!, found[0]!, [
      { type: lib.CKA_EC_PARAMS },
      { type: lib.CKA_EC_POINT },
    ]);
    const raw = point?.value && edwardsPoint(point.value as Buffer);
    if (!EC_PARAMS_ED25519.some((p) => params?.value && p.equals(params.value as Buffer)) || !raw) {
      throw new Pkcs11KeyError('UNSUPPORTED_KEY', `${where} is not an Ed25519 key`);
    }
    return Uint8Array.from(raw);
  };

  let privateKey: Handle;
  let publicKey: Uint8Array;
  try {
    privateKey = connect();
    publicKey = readPublicKey();
  } catch (err) {
    closeSession();
    releaseModule(options.module, entry);
    if (err instanceof Pkcs11KeyError) throw err;
    throw new Pkcs11KeyError('KEY_NOT_FOUND', `cannot open ${where}: ${message(err)}`, {
      cause: err,
    });
  }

  const spki = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  });

  const signOnce = (msg: Uint8Array): Uint8Array => {
    if (session === undefined) privateKey = connect();
    pkcs11.C_SignInit(session!, { mechanism: CKM_EDDSA }, privateKey);
    return Uint8Array.from(pkcs11.C_Sign(session!, Buffer.from(msg), Buffer.alloc(64)));
  };

  const signSync = (msg: Uint8Array): Uint8Array => {
    // pkcs11js hands an empty buffer over as NULL, which tokens refuse (CKR_ARGUMENTS_BAD);
    // a note's text is never empty.
    if (msg.length === 0) throw new TypeError('refusing to sign an empty message');
    let signature: Uint8Array;
    try {
      signature = signOnce(msg);
    } catch (first) {
      if (first instanceof Pkcs11KeyError) throw first;
      closeSession(); // a dropped session or login: reconnect once
      try {
        signature = signOnce(msg);
      } catch (cause) {
        closeSession();
        if (cause instanceof Pkcs11KeyError) throw cause;
        throw new Pkcs11KeyError('SIGN_FAILED', `${where} failed to sign: ${message(cause)}`, {
          cause,
        });
      }
    }
    if (signature.length !== 64) {
      throw new Pkcs11KeyError(
        'SIGN_FAILED',
        `${where} returned a ${signature.length}-byte signature`,
      );
    }
    return signature;
  };

  // A private key that is not the public key's pair would sign checkpoints nobody verifies.
  const probe = new TextEncoder().encode('proofline pkcs11 self-test\n');
  let ok = false;
  try {
    ok = verify(null, probe, spki, signSync(probe));
  } catch (err) {
    closeSession();
    releaseModule(options.module, entry);
    throw err;
  }
  if (!ok) {
    closeSession();
    releaseModule(options.module, entry);
    throw new Pkcs11KeyError(
      'SIGN_FAILED',
      `${where}: the private key's signature does not verify with the public key of that label`,
    );
  }

  let closed = false;
  return Object.freeze({
    publicKey,
    signSync: (msg: Uint8Array): Uint8Array => {
      if (closed) throw new Pkcs11KeyError('SIGN_FAILED', `${where}: the key is closed`);
      return signSync(msg);
    },
    close: (): void => {
      if (closed) return;
      closed = true;
      closeSession();
      releaseModule(options.module, entry);
    },
  });
}
