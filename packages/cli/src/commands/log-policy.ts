/**
 * A log's own witness and time-stamping policy, stored with the log in the database
 * (Storage.getLogPolicy) as a JSON document of this module's format, set by `create-log` and
 * `log-policy`. Each part left unset (absent) falls back to serve's flags (--witness*,
 * --tsa*); set to an empty list it means none, whatever serve's flags say.
 *
 * The document is read from the database, which an insider can write: it is parsed strictly
 * (known members only, every witness key, URL, TSA name and root checked), and a document
 * that does not parse is refused, never half-applied. Witness keys and TSA roots in it are
 * what this node publishes in GET /logs/<name>/; verifiers still pin their own.
 */
import { CodedError } from '@proofline/tlog';
import { thresholdPolicy, type WitnessEndpoint } from '@proofline/witness';
import { parseTsaFlags, readPemCertificates, timestampingOf } from './timestamping.js';
import type { TimestampingConfig } from './timestamping.js';
import { parseWitnessFlag, type WitnessingConfig } from './witness.js';
import { base64Decode, base64Encode } from '@proofline/note';
import { parseRetention } from './retention-period.js';

export interface LogPolicy {
  /** The witnesses that cosign the log's checkpoints; [] none; absent: serve's --witness. */
  readonly witnesses?: readonly WitnessEndpoint[];
  /** How many of `witnesses` must cosign (absent: all of them). */
  readonly witnessQuorum?: number;
  /** The RFC 3161 TSAs of its checkpoints; [] none; absent: serve's --tsa. */
  readonly tsa?: readonly { readonly name: string; readonly url: string }[];
  /** With a non-empty `tsa`: the roots (base64 DER) their replies must chain to. */
  readonly tsaRoots?: readonly string[];
  /**
   * How long its records are kept (retention-period.ts, e.g. `6y`): `proofline retention
   * --apply` erases older ones (private logs only). Absent: kept forever.
   */
  readonly retention?: string;
}

/** A stored policy document that does not parse. */
export class LogPolicyError extends CodedError<'INVALID_LOG_POLICY'> {
  constructor(message: string, options?: ErrorOptions) {
    super('INVALID_LOG_POLICY', message, { cause: options?.cause });
  }
}

const MAX_POLICY_BYTES = 256 * 1024;
const VERSION = 1;

function fail(message: string, cause?: unknown): never {
  throw new LogPolicyError(`invalid log policy: ${message}`, cause ? { cause } : undefined);
}

function record(value: unknown, what: string, members: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${what} must be an object`);
  }
  for (const key of Object.keys(value)) {
    if (!members.includes(key)) fail(`${what} has an unknown member ${JSON.stringify(key)}`);
  }
  return value as Record<string, unknown>;
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  return value;
}

function strings(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    fail(`${what} must be a list of strings`);
  }
  return value as string[];
}

/** Checks a whole policy (throws LogPolicyError) and returns it. */
function checked(policy: LogPolicy): LogPolicy {
  const { witnesses, witnessQuorum, tsa, tsaRoots, retention } = policy;
  if (retention !== undefined) {
    try {
      parseRetention(retention);
    } catch (err) {
      fail((err as Error).message, err);
    }
  }
  if (witnessQuorum !== undefined && !witnesses?.length) fail('a witness quorum without witnesses');
  if (witnesses?.length) {
    try {
      thresholdPolicy(witnesses, witnessQuorum ?? witnesses.length);
    } catch (err) {
      fail((err as Error).message, err);
    }
  }
  if (tsa?.length) {
    try {
      parseTsaFlags(tsa.map((a) => `${a.name}=${a.url}`));
    } catch (err) {
      fail((err as Error).message, err);
    }
    if (!tsaRoots?.length) fail('time-stamping authorities without roots');
  } else if (tsaRoots !== undefined) {
    fail('TSA roots without time-stamping authorities');
  }
  for (const root of tsaRoots ?? []) {
    let der: Uint8Array | undefined;
    try {
      der = base64Decode(root);
    } catch {
      der = undefined;
    }
    if (!der?.length) fail('a TSA root is not canonical base64 (DER)');
  }
  return policy;
}

/** Parses a stored policy document strictly; throws LogPolicyError. */
export function parseLogPolicy(text: string): LogPolicy {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES) fail(`larger than ${MAX_POLICY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail('not JSON', err);
  }
  const o = record(json, 'the policy', [
    'v',
    'witnesses',
    'witnessQuorum',
    'tsa',
    'tsaRoots',
    'retention',
  ]);
  if (o.v !== VERSION) fail(`unknown version ${JSON.stringify(o.v)}`);
  const policy: {
    witnesses?: WitnessEndpoint[];
    witnessQuorum?: number;
    tsa?: { name: string; url: string }[];
    tsaRoots?: string[];
    retention?: string;
  } = {};
  if (o.witnesses !== undefined) {
    if (!Array.isArray(o.witnesses)) fail('witnesses must be a list');
    policy.witnesses = o.witnesses.map((w: unknown, i) => {
      const e = record(w, `witness ${i + 1}`, ['url', 'verifierKey']);
      return {
        url: str(e.url, `witness ${i + 1}: url`),
        verifierKey: str(e.verifierKey, `witness ${i + 1}: verifierKey`),
      };
    });
  }
  if (o.witnessQuorum !== undefined) {
    if (!Number.isSafeInteger(o.witnessQuorum)) fail('witnessQuorum must be an integer');
    policy.witnessQuorum = o.witnessQuorum as number;
  }
  if (o.tsa !== undefined) {
    if (!Array.isArray(o.tsa)) fail('tsa must be a list');
    policy.tsa = o.tsa.map((a: unknown, i) => {
      const e = record(a, `TSA ${i + 1}`, ['name', 'url']);
      return { name: str(e.name, `TSA ${i + 1}: name`), url: str(e.url, `TSA ${i + 1}: url`) };
    });
  }
  if (o.tsaRoots !== undefined) policy.tsaRoots = strings(o.tsaRoots, 'tsaRoots');
  if (o.retention !== undefined) policy.retention = str(o.retention, 'retention');
  return checked(policy);
}

/** The stored document of `policy` (checked first); undefined when it sets nothing. */
export function formatLogPolicy(policy: LogPolicy): string | undefined {
  checked(policy);
  if (policy.witnesses === undefined && policy.tsa === undefined && !policy.retention) {
    return undefined;
  }
  return JSON.stringify({ v: VERSION, ...policy });
}

/** What serve applies to logs without a policy of their own: its flags. */
export interface PublishingDefaults {
  readonly witnessing?: WitnessingConfig;
  readonly timestamping?: TimestampingConfig;
  /** Serve's --witness-timeout (used for a log's own witnesses too). */
  readonly witnessTimeoutMs: number;
}

/** How a log is published: each part from its own policy if set, else serve's defaults. */
export function publishingOf(
  policy: LogPolicy | undefined,
  defaults: PublishingDefaults,
): { witnessing?: WitnessingConfig; timestamping?: TimestampingConfig } {
  const witnesses = policy?.witnesses;
  const witnessing =
    witnesses === undefined
      ? defaults.witnessing
      : witnesses.length === 0
        ? undefined
        : {
            policy: thresholdPolicy(witnesses, policy!.witnessQuorum ?? witnesses.length),
            timeoutMs: defaults.witnessTimeoutMs,
          };
  const tsa = policy?.tsa;
  const timestamping =
    tsa === undefined
      ? defaults.timestamping
      : tsa.length === 0
        ? undefined
        : timestampingOf(
            tsa,
            (policy!.tsaRoots ?? []).map((r) => base64Decode(r)),
          );
  return {
    ...(witnessing === undefined ? {} : { witnessing }),
    ...(timestamping === undefined ? {} : { timestamping }),
  };
}

/** The policy flags of `create-log` and `log-policy`, as parsed. */
export interface PolicyFlags {
  readonly witness: readonly string[];
  readonly witnessQuorum?: number;
  readonly noWitnesses: boolean;
  /** log-policy only: drop the log's own witnesses (serve's flags apply again). */
  readonly defaultWitnesses?: boolean;
  readonly tsa: readonly string[];
  readonly tsaRoot: readonly string[];
  readonly noTsa: boolean;
  readonly defaultTsa?: boolean;
  /** Set the retention period (e.g. `6y`). */
  readonly retention?: string;
  /** log-policy only: keep records forever again. */
  readonly noRetention?: boolean;
}

/**
 * `current` changed by `flags`: each part (witnesses, TSAs) given by its flags replaces the
 * current one. Throws an Error with a usage message on conflicting or invalid flags.
 */
export function applyPolicyFlags(current: LogPolicy, flags: PolicyFlags): LogPolicy {
  const next: {
    witnesses?: readonly WitnessEndpoint[];
    witnessQuorum?: number;
    tsa?: readonly { name: string; url: string }[];
    tsaRoots?: readonly string[];
    retention?: string;
  } = { ...current };
  if (flags.retention !== undefined && flags.noRetention) {
    throw new Error('give one of --retention and --no-retention');
  }
  if (flags.retention !== undefined) next.retention = flags.retention;
  if (flags.noRetention) delete next.retention;
  const witnessChoices = [flags.witness.length > 0, flags.noWitnesses, !!flags.defaultWitnesses];
  if (witnessChoices.filter(Boolean).length > 1) {
    throw new Error('give one of --witness, --no-witnesses and --default-witnesses');
  }
  if (flags.witnessQuorum !== undefined && flags.witness.length === 0) {
    throw new Error('--witness-quorum needs --witness');
  }
  if (flags.witness.length > 0 || flags.noWitnesses || flags.defaultWitnesses) {
    delete next.witnesses;
    delete next.witnessQuorum;
  }
  if (flags.witness.length > 0) {
    next.witnesses = flags.witness.map(parseWitnessFlag);
    if (flags.witnessQuorum !== undefined) next.witnessQuorum = flags.witnessQuorum;
  } else if (flags.noWitnesses) {
    next.witnesses = [];
  }
  const tsaChoices = [flags.tsa.length > 0, flags.noTsa, !!flags.defaultTsa];
  if (tsaChoices.filter(Boolean).length > 1) {
    throw new Error('give one of --tsa, --no-tsa and --default-tsa');
  }
  if (flags.tsaRoot.length > 0 && flags.tsa.length === 0) throw new Error('--tsa-root needs --tsa');
  if (flags.tsa.length > 0 || flags.noTsa || flags.defaultTsa) {
    delete next.tsa;
    delete next.tsaRoots;
  }
  if (flags.tsa.length > 0) {
    if (flags.tsaRoot.length === 0) throw new Error('--tsa needs --tsa-root FILE.pem');
    next.tsa = parseTsaFlags(flags.tsa);
    const roots = flags.tsaRoot.flatMap(readPemCertificates);
    next.tsaRoots = [...new Set(roots.map((r) => base64Encode(r)))];
  } else if (flags.noTsa) {
    next.tsa = [];
  }
  try {
    return checked(next);
  } catch (err) {
    throw new Error((err as Error).message.replace(/^invalid log policy: /, ''), { cause: err });
  }
}

/** The policy for people: one line for witnesses, one for time-stamping, one for retention. */
export function describeLogPolicy(policy: LogPolicy | undefined): string[] {
  const w = policy?.witnesses;
  const t = policy?.tsa;
  const r = policy?.retention;
  return [
    w === undefined
      ? "witnesses: serve's default (its --witness flags)"
      : w.length === 0
        ? 'witnesses: none'
        : `witnesses: ${policy!.witnessQuorum ?? w.length} of ${w.map((e) => `${e.url} (${e.verifierKey})`).join(', ')}`,
    t === undefined
      ? "time-stamping: serve's default (its --tsa flags)"
      : t.length === 0
        ? 'time-stamping: none'
        : `time-stamping: ${t.map((a) => `${a.name} ${a.url}`).join(', ')}; ${policy!.tsaRoots!.length} root certificate(s)`,
    r === undefined
      ? 'retention: none (records are kept for ever)'
      : `retention: ${r} (\`proofline retention --apply\` erases older records)`,
  ];
}
