import { readFileSync, statSync } from 'node:fs';
import { Pkcs11KeyError } from './errors.js';
import type { Pkcs11KeyLocation } from './pkcs11-key.js';

/** Where the user PIN comes from: a file, or an environment variable. Never the URI itself. */
export type PinSource = { readonly file: string } | { readonly env: string };

export interface Pkcs11Uri extends Pkcs11KeyLocation {
  readonly pin: PinSource;
}

/** The PIN variable used when the URI names no PIN source. */
export const DEFAULT_PIN_ENV = 'PROOFLINE_PKCS11_PIN';

const MAX_URI = 4096;

function decode(value: string, attribute: string, uri: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new TypeError(`invalid percent-encoding in ${attribute} of ${uri}`);
  }
}

/**
 * Parses the subset of an RFC 7512 PKCS#11 URI that names a log key:
 * `pkcs11:token=LABEL;object=LABEL[;type=private]?module-path=PATH[&pin-source=FILE]`
 * or `...&x-pin-env=VARIABLE` (this project's extension; default PROOFLINE_PKCS11_PIN).
 * `pin-value` is refused (a PIN in a flag lands in `ps` and shell history), and so is any
 * attribute not listed here, a repeated one, or a missing token, object or module-path:
 * a typo must not select another key. Throws TypeError naming the problem.
 */
export function parsePkcs11Uri(uri: string): Pkcs11Uri {
  if (uri.length > MAX_URI || !uri.startsWith('pkcs11:')) {
    throw new TypeError(
      `a PKCS#11 signer is a pkcs11: URI, got ${JSON.stringify(uri.slice(0, 64))}`,
    );
  }
  const shown = uri.replace(/pin-value=[^&]*/g, 'pin-value=…');
  const body = uri.slice('pkcs11:'.length);
  const q = body.indexOf('?');
  const path = q < 0 ? body : body.slice(0, q);
  const query = q < 0 ? '' : body.slice(q + 1);
  const attrs = new Map<string, string>();
  const take = (part: string, allowed: readonly string[]): void => {
    if (part === '') return;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (name === 'pin-value') {
      throw new TypeError(
        `${shown}: pin-value is refused (it would show in ps); use pin-source=FILE or x-pin-env=VARIABLE`,
      );
    }
    if (eq < 0 || !allowed.includes(name)) {
      throw new TypeError(`${shown}: unsupported attribute ${JSON.stringify(name)}`);
    }
    if (attrs.has(name)) throw new TypeError(`${shown}: ${name} is given twice`);
    attrs.set(name, decode(part.slice(eq + 1), name, shown));
  };
  for (const part of path.split(';')) take(part, ['token', 'object', 'type']);
  for (const part of query.split('&')) take(part, ['module-path', 'pin-source', 'x-pin-env']);
  const type = attrs.get('type');
  if (type !== undefined && type !== 'private') {
    throw new TypeError(`${shown}: type must be private (the signing key)`);
  }
  const need = (name: string): string => {
    const value = attrs.get(name);
    if (!value) throw new TypeError(`${shown}: ${name} is required`);
    return value;
  };
  const pinSource = attrs.get('pin-source');
  const pinEnv = attrs.get('x-pin-env');
  if (pinSource !== undefined && pinEnv !== undefined) {
    throw new TypeError(`${shown}: give pin-source or x-pin-env, not both`);
  }
  const pin: PinSource =
    pinSource !== undefined
      ? { file: pinSource.startsWith('file:') ? new URL(pinSource).pathname : pinSource }
      : { env: pinEnv ?? DEFAULT_PIN_ENV };
  return { token: need('token'), key: need('object'), module: need('module-path'), pin };
}

/**
 * Reads the PIN: the file's content or the variable's value, without one trailing newline.
 * A missing or empty PIN, or a PIN file that other users may read (like a key file, refused
 * rather than trusted), is Pkcs11KeyError LOGIN_FAILED, before the token is touched.
 */
export function readPin(source: PinSource): string {
  let pin: string | undefined;
  if ('file' in source) {
    try {
      const mode = statSync(source.file).mode & 0o777;
      if (mode & 0o077) {
        throw new Pkcs11KeyError(
          'LOGIN_FAILED',
          `refusing the PKCS#11 PIN file ${source.file}: other users may read it (mode ${mode.toString(8)}); run chmod 600 ${source.file}`,
        );
      }
      pin = readFileSync(source.file, 'utf8');
    } catch (cause) {
      if (cause instanceof Pkcs11KeyError) throw cause;
      throw new Pkcs11KeyError(
        'LOGIN_FAILED',
        `cannot read the PKCS#11 PIN file ${source.file}: ${(cause as Error).message}`,
        { cause },
      );
    }
  } else {
    pin = process.env[source.env];
  }
  pin = pin?.replace(/\r?\n$/, '');
  if (!pin) {
    throw new Pkcs11KeyError(
      'LOGIN_FAILED',
      'file' in source
        ? `the PKCS#11 PIN file ${source.file} is empty`
        : `set the PKCS#11 user PIN in the environment variable ${source.env}`,
    );
  }
  return pin;
}
