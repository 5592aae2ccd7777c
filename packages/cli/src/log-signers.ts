/**
 * Which logs sign with a key held outside Proofline (`--log-signer`,
 * PROOFLINE_LOG_SIGNER_<NAME>): a PKCS#11 token's (`pkcs11:URI`) or an external program's
 * (`exec:PROGRAM [ARG…]` or `exec:["PROGRAM","ARG",…]`, docs/keys.md).
 * Parsing only: loads neither the token module nor the sequencer, so every command's flags
 * can be checked without the server's workspaces installed.
 */
import { parsePkcs11Uri } from '@proofline/pkcs11';

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

/** Longest `exec:` value, and most words of its command. */
const MAX_EXEC_LENGTH = 4096;
const MAX_EXEC_WORDS = 64;

/**
 * The command of an `exec:` signer, in one of two forms (docs/keys.md): `exec:PROGRAM [ARG…]`,
 * split at single spaces (no quoting, no shell), or `exec:["PROGRAM","ARG",…]`, a JSON array
 * of strings, for a program path or argument that holds a space. PROGRAM is an absolute path
 * (never looked up in $PATH). Either form is parsed strictly: at most MAX_EXEC_LENGTH
 * characters and MAX_EXEC_WORDS words, none empty or holding a NUL, nothing after the array.
 * TypeError naming the problem if not.
 */
export function parseExecCommand(value: string): [string, ...string[]] {
  const refuse = (why: string) =>
    new TypeError(
      `--log-signer ${JSON.stringify(value.slice(0, 80))}: ${why}; expected exec:/ABSOLUTE/PROGRAM [ARG…] (single spaces) or exec:["/ABSOLUTE/PROGRAM","ARG",…]`,
    );
  if (!value.startsWith('exec:')) throw refuse('not an exec: signer');
  if (value.length > MAX_EXEC_LENGTH) throw refuse(`longer than ${MAX_EXEC_LENGTH} characters`);
  const rest = value.slice('exec:'.length);
  let parts: unknown;
  if (rest.startsWith('[')) {
    try {
      parts = JSON.parse(rest);
    } catch (err) {
      throw refuse(`not a JSON array (${(err as Error).message})`);
    }
    if (!Array.isArray(parts) || !parts.every((p) => typeof p === 'string'))
      throw refuse('the JSON form must be an array of strings');
  } else {
    parts = rest.split(' ');
  }
  const words = parts as string[];
  const [program, ...args] = words;
  if (program === undefined || !program.startsWith('/'))
    throw refuse('the program must be an absolute path');
  if (words.length > MAX_EXEC_WORDS) throw refuse(`more than ${MAX_EXEC_WORDS} words`);
  if (words.some((p) => p === '' || p.includes('\0'))) throw refuse('an empty word or a NUL');
  return [program, ...args];
}

/**
 * The `--log-signer` values, `LOG=pkcs11:URI` or `LOG=exec:COMMAND` (parseExecCommand), or either
 * without `LOG=` for `commandLog` (the command's `--log`, else `default`), by log name;
 * `LOG.next=…` is the log's successor key during a rotation (docs/keys.md). Refuses a log
 * given twice, an unknown backend, a malformed URI (TypeError from parsePkcs11Uri) and a
 * malformed command, so a typo never falls back to a key file.
 */
export function parseLogSigners(
  values: readonly string[],
  commandLog: string,
): Map<string, string> {
  const signers = new Map<string, string>();
  for (const value of values) {
    const m = /^(?:([a-z0-9-]+(?:\.next)?)=)?([a-z0-9]+):/.exec(value);
    if (!m || (m[2] !== 'pkcs11' && m[2] !== 'exec')) {
      throw new TypeError(
        `--log-signer ${JSON.stringify(value.replace(/pin-value=[^&]*/g, 'pin-value=…').slice(0, 80))}: expected [LOG=]pkcs11:URI or [LOG=]exec:PROGRAM (the default is the log's key file)`,
      );
    }
    const log = m[1] ?? commandLog;
    const uri = value.slice(m[1] === undefined ? 0 : m[1].length + 1);
    if (m[2] === 'exec') parseExecCommand(uri);
    else parsePkcs11Uri(uri);
    if (signers.has(log)) throw new TypeError(`--log-signer: log ${log} is given twice`);
    signers.set(log, uri);
  }
  return signers;
}
