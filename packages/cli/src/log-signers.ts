/**
 * Which logs sign with a key held outside Proofline (`--log-signer`,
 * PROOFLINE_LOG_SIGNER_<NAME>): a PKCS#11 token's (`pkcs11:URI`) or an external program's
 * (`exec:PROGRAM [ARG…]`, docs/keys.md).
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

/**
 * The command of an `exec:` signer: `exec:PROGRAM [ARG…]`, split at single spaces (no
 * quoting, no shell), PROGRAM an absolute path (never looked up in $PATH). TypeError if not.
 */
export function parseExecCommand(value: string): [string, ...string[]] {
  const parts = value.startsWith('exec:') ? value.slice('exec:'.length).split(' ') : [];
  const [program, ...args] = parts;
  if (program === undefined || !program.startsWith('/') || parts.some((p) => p === '')) {
    throw new TypeError(
      `--log-signer ${JSON.stringify(value.slice(0, 80))}: expected exec:/ABSOLUTE/PROGRAM [ARG…], single spaces`,
    );
  }
  return [program, ...args];
}

/**
 * The `--log-signer` values, `LOG=pkcs11:URI` or `LOG=exec:PROGRAM [ARG…]`, or either
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
