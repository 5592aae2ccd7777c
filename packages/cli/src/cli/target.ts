import type { Target } from '../deployment.js';
import { DEFAULT_LOG } from '../defaults.js';
import { parseLogSigners } from '../log-signers.js';
import { UsageError, type Args, type FlagSpec } from './command.js';

/** The flags naming a deployment: SQLite `--data DIR`, or PostgreSQL `--db URL --keys DIR`. */
export const TARGET_FLAGS: readonly FlagSpec[] = [
  {
    name: 'data',
    type: 'string',
    value: 'DIR',
    help: 'the SQLite data folder (database proofline.db and keys/ inside)',
    synopsis: '(--data DIR | --db URL --keys DIR)',
  },
  {
    name: 'db',
    type: 'string',
    value: 'URL',
    env: 'PROOFLINE_DB',
    help: 'PostgreSQL instead of --data: the connection string shared by every node',
    synopsis: '',
  },
  {
    name: 'keys',
    type: 'string',
    value: 'DIR',
    env: 'PROOFLINE_KEYS',
    help: 'with --db: the folder of log signing keys shared by the nodes (0700)',
    synopsis: '',
  },
  {
    name: 'db-schema',
    type: 'string',
    value: 'NAME',
    env: 'PROOFLINE_DB_SCHEMA',
    help: "with --db: the schema holding Proofline's tables (default proofline)",
    synopsis: '',
  },
  {
    name: 'state-dir',
    type: 'string',
    value: 'DIR',
    env: 'PROOFLINE_STATE_DIR',
    help: 'where this node keeps the last checkpoint it signed per log (default: the key folder)',
    synopsis: '',
  },
  {
    name: 'log-signer',
    type: 'string',
    value: '[LOG=]pkcs11:URI|exec:PROGRAM',
    repeatable: true,
    help: 'a log whose key is in a PKCS#11 token (HSM, SoftHSM2), e.g. pkcs11:token=T;object=K?module-path=LIB&pin-source=FILE (PIN default from $PROOFLINE_PKCS11_PIN), or held by an external program (e.g. calling a cloud KMS), exec:/ABSOLUTE/PROGRAM [ARG…] (or exec:["/ABSOLUTE/PROGRAM","ARG",…] for words with spaces) speaking the line protocol of docs/keys.md; without LOG=, the command\'s --log (default: default); LOG.next= a rotation\'s successor key; or PROOFLINE_LOG_SIGNER_<NAME>. Default: the key file',
    synopsis: '',
  },
];

/** TARGET_FLAGS and `--log NAME` (default `default`). */
export const LOG_TARGET_FLAGS: readonly FlagSpec[] = [
  ...TARGET_FLAGS,
  {
    name: 'log',
    type: 'string',
    value: 'NAME',
    default: DEFAULT_LOG,
    help: 'the log (a-z, 0-9, -)',
  },
];

/** The deployment the TARGET_FLAGS name: exactly one of --data and --db. */
export function targetOf(args: Args): Target {
  const data = args.string('data');
  const db = args.string('db');
  if ((data === undefined || data === '') === (db === undefined || db === '')) {
    throw new UsageError('give either --data DIR (SQLite) or --db postgres://… (PostgreSQL)');
  }
  const state = args.string('state-dir');
  let signers: Map<string, string>;
  try {
    signers = parseLogSigners(args.list('log-signer'), args.string('log') ?? DEFAULT_LOG);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const common = { ...(state ? { state } : {}), ...(signers.size ? { signers } : {}) };
  if (data) return { data, ...common };
  const keys = args.string('keys');
  if (!keys) throw new UsageError('--db needs --keys DIR: the log keys shared by the nodes');
  const schema = args.string('db-schema');
  return { db: db!, keys, ...(schema ? { schema } : {}), ...common };
}
