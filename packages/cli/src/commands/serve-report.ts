/**
 * What `serve` tells the operator at start: human-readable lines on stderr (the terminal, or
 * the journal), and the same facts as structured records in the JSON log on stdout.
 */
import type { Target } from '../deployment.js';
import type { ServeLogger, ServedLog } from './serve-logs.js';
import type { TimestampingConfig } from './timestamping.js';
import type { WitnessingConfig } from './witness.js';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The storage of `target`, for people: never the database password. */
export function describeStorage(target: Target): { kind: string; location: string } {
  if (target.data !== undefined) return { kind: 'SQLite', location: target.data };
  let location = 'the database';
  try {
    const url = new URL(target.db!);
    location = `${url.hostname || 'localhost'}:${url.port || 5432}${url.pathname}`;
  } catch {
    // a libpq key=value string: shown as "the database"
  }
  return { kind: 'PostgreSQL', location: `${location}, schema ${target.schema ?? 'proofline'}` };
}

/**
 * One log: name, origin, verifier key (what auditors and witnesses pin), and how it is
 * witnessed and time-stamped (by its own policy, or serve's flags).
 */
export function reportLog(
  logger: ServeLogger,
  served: ServedLog,
  since: 'start' | 'new' | 'policy',
): void {
  const { name, origin, verifierKey, tenant } = served.runtime.config;
  const w = served.runtime.witnesses;
  const own = (part: unknown) => (part === undefined ? '' : ' (its own policy)');
  const witnessing = w ? `${w.quorum} of ${w.keys.length} witnesses` : 'no witnesses';
  const tsas = served.timestamping?.authorities.map((a) => a.name) ?? [];
  const tsa = tsas.length ? `time-stamped by ${tsas.join(', ')}` : 'no time-stamping';
  const intro = {
    start: 'log',
    new: 'now serving new log',
    policy: 'new witness/TSA policy for log',
  }[since];
  say(
    `proofline: ${intro} ${name} (tenant ${tenant}): origin ${origin}, verifier key ` +
      `${verifierKey}; ${witnessing}${own(served.policy?.witnesses)}, ${tsa}${own(served.policy?.tsa)}`,
  );
  logger.info(
    {
      log: name,
      tenant,
      origin,
      verifierKey,
      witnesses: w ? { keys: w.keys, quorum: w.quorum } : null,
      timestampAuthorities: served.timestamping?.authorities ?? [],
      ownPolicy: served.policy ?? null,
    },
    {
      start: 'serving log',
      new: 'serving a log created since start',
      policy: "applied the log's new policy",
    }[since],
  );
}

/** The loud warning that a signing key was made on this start, with where to back it up. */
export function reportCreatedKey(logger: ServeLogger, log: string, where: string): void {
  say(
    `WARNING: proofline: created a new signing key for log ${log} in ${where}. Back it up now, ` +
      `apart from the database backups: without it the log can never sign again.`,
  );
  logger.warn({ log, key: where }, 'created a new signing key: back it up');
}

/**
 * serve's first start creates the quickstart's log `default` public, as it always was; says
 * so, and how to keep entries private (create-log makes private logs unless told otherwise).
 */
export function reportPublicLog(logger: ServeLogger, log: string): void {
  say(
    `proofline: log ${log} is PUBLIC: anyone can read its entries. For private logs use ` +
      `create-log (private unless --visibility public), or, while ${log} is still empty, ` +
      `proofline log-policy --log ${log} --visibility private --force.`,
  );
  logger.warn({ log }, 'created a public log');
}

/** Storage, witness and time-stamping configuration, then the address (the last line). */
export function reportConfiguration(
  logger: ServeLogger,
  o: {
    target: Target;
    address: string;
    witnessing?: WitnessingConfig;
    timestamping?: TimestampingConfig;
  },
): void {
  const storage = describeStorage(o.target);
  say(`proofline: storage ${storage.kind} (${storage.location})`);
  const witnesses = o.witnessing?.policy.witnesses ?? [];
  say(
    witnesses.length === 0
      ? 'proofline: default witnesses (for logs without their own policy): none'
      : `proofline: default witnesses (for logs without their own policy): ${witnesses.map((w) => `${w.name} ${w.url ?? '(no URL)'}`).join(', ')}; timeout ${o.witnessing!.timeoutMs} ms`,
  );
  const tsas = o.timestamping?.authorities ?? [];
  say(
    tsas.length === 0
      ? 'proofline: default time-stamping (for logs without their own policy): none'
      : `proofline: default time-stamping (for logs without their own policy): ${tsas.map((a) => `${a.name} ${a.url}`).join(', ')}`,
  );
  logger.info(
    {
      address: o.address,
      storage: storage.kind,
      location: storage.location,
      witnesses: witnesses.map((w) => ({ name: w.name, url: w.url ?? null })),
      witnessTimeoutMs: o.witnessing?.timeoutMs ?? null,
      timestampAuthorities: tsas,
    },
    'proofline serving',
  );
  // Scripts and tests wait for this line.
  say(`proofline listening on ${o.address}`);
}
