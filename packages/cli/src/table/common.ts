/** Flags and value helpers shared by several commands of the table. */
import { UsageError, type Args, type FlagSpec } from '../cli/command.js';

/** Repeated `--name k=v` flags as an object. */
export function pairs(args: Args, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of args.list(name)) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`--${name} takes key=value, got ${JSON.stringify(item)}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** A flag's value as a `{ name: value }` spread, empty when absent. */
export function optional<K extends string>(
  args: Args,
  name: string,
  key: K,
): { [P in K]?: string } {
  const value = args.string(name);
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

/** `--url`: the server's base URL (required). */
export const URL_FLAG: FlagSpec = {
  name: 'url',
  type: 'string',
  value: 'URL',
  required: true,
  help: "the server's base URL",
};

/** `--api-key` (or PROOFLINE_API_KEY); `help` says which key the command needs. */
export function apiKeyFlag(help: string, required = true): FlagSpec {
  return {
    name: 'api-key',
    type: 'string',
    value: 'KEY',
    ...(required ? { required } : {}),
    env: 'PROOFLINE_API_KEY',
    help,
  };
}

export const LOG_KEY_FLAG: FlagSpec = {
  name: 'log-key',
  type: 'string',
  value: 'VKEY',
  required: true,
  help: "the log's verifier key (from `proofline log-key`), the trust anchor",
};

export const FILTER_FLAGS: readonly FlagSpec[] = [
  { name: 'type', type: 'string', value: 'T', help: 'only records of this statement type' },
  { name: 'control', type: 'string', value: 'ID', help: 'only records mapped to this control' },
  { name: 'label', type: 'string', value: 'k:v', help: 'only records with this label' },
];

/** `--type`, `--control` and `--label` as a population filter. */
export function filterOf(args: Args) {
  return {
    ...optional(args, 'type', 'type'),
    ...optional(args, 'control', 'control'),
    ...optional(args, 'label', 'label'),
  };
}

/** A server, an audit:read key, a log and a period, with a population filter. */
export const PERIOD_FLAGS: readonly FlagSpec[] = [
  URL_FLAG,
  apiKeyFlag('an API key with the audit:read scope'),
  {
    name: 'log',
    type: 'string',
    value: 'NAME',
    help: "the log (needed when the key's tenant owns several)",
  },
  {
    name: 'from',
    type: 'string',
    value: 'DATE',
    required: true,
    help: 'start of the period (RFC 3339 time or date), inclusive',
  },
  {
    name: 'to',
    type: 'string',
    value: 'DATE',
    required: true,
    help: 'end of the period, exclusive',
  },
  ...FILTER_FLAGS,
];

/** `--percent P [--min A] [--max B]` of a sample size. */
export const PERCENT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'percent',
    type: 'string',
    value: 'P',
    help: 'sample P percent of the population (rounded up; decimal, 0 < P <= 100)',
  },
  { name: 'min', type: 'integer', value: 'A', help: 'with --percent: at least A records' },
  { name: 'max', type: 'integer', value: 'B', help: 'with --percent: at most B records' },
];

/** The witness and time-stamping trust policy of `verify` and `verify-evidence`. */
export const TRUST_FLAGS: readonly FlagSpec[] = [
  {
    name: 'witness-key',
    type: 'string',
    value: 'VKEY',
    repeatable: true,
    help: 'a witness (cosignature/v1) verifier key to trust',
  },
  {
    name: 'witness-quorum',
    type: 'integer',
    value: 'K',
    min: 1,
    help: 'how many of the --witness-key witnesses must have cosigned (default: all)',
  },
  {
    name: 'tsa-root',
    type: 'string',
    value: 'FILE.pem',
    repeatable: true,
    help: 'an RFC 3161 time-stamping root certificate to trust',
  },
  {
    name: 'require-timestamp',
    type: 'boolean',
    help: 'fail without a time-stamp token chaining to a --tsa-root',
  },
  { name: 'json', type: 'boolean', help: 'print the result as JSON' },
];

/** `--witness-quorum`, checked against the number of `--witness-key`s. */
export function witnessQuorumOf(args: Args): { witnessQuorum?: number } {
  const quorum = args.integer('witness-quorum');
  if (quorum === undefined) return {};
  const keys = args.list('witness-key').length;
  if (quorum > Math.max(keys, 1)) {
    throw new UsageError(`--witness-quorum must be an integer from 1 to ${Math.max(keys, 1)}`);
  }
  return { witnessQuorum: quorum };
}
