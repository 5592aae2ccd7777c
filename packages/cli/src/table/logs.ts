import { UsageError, type Args, type Command, type FlagSpec } from '../cli/command.js';
import type { PolicyFlags } from '../commands/log-policy.js';
import { LOG_TARGET_FLAGS, TARGET_FLAGS, targetOf } from '../cli/target.js';
import { DEFAULT_LOG, DEFAULT_TENANT } from '../defaults.js';
import type { LogVisibility } from '@proofline/storage';

export const logKey: Command = {
  name: 'log-key',
  summary: "print a log's verifier key",
  description:
    'Checks that the signing key is present, private and registered for the log. A missing ' +
    'data folder or log is an error naming create-log; nothing is created.',
  flags: LOG_TARGET_FLAGS,
  async run(a) {
    const target = targetOf(a);
    const { logKey: run } = await import('../commands/logs.js');
    await run({ target, log: a.required('log') });
    return 0;
  },
};

export const logs: Command = {
  name: 'logs',
  summary: 'list the logs: name, tenant, origin, verifier key, visibility (tab-separated)',
  flags: TARGET_FLAGS,
  async run(a) {
    const target = targetOf(a);
    const { listLogs } = await import('../commands/logs.js');
    await listLogs({ target });
    return 0;
  },
};

/** A log's own witness and TSA policy: create-log's, and log-policy's (with `change`). */
function policyFlags(change: boolean): FlagSpec[] {
  const flags: FlagSpec[] = [
    {
      name: 'witness',
      type: 'string',
      value: 'URL=WITNESS_VKEY',
      repeatable: true,
      help: "a c2sp.org/tlog-witness that must cosign the log's checkpoints (instead of serve's --witness)",
    },
    {
      name: 'witness-quorum',
      type: 'integer',
      value: 'K',
      min: 1,
      help: 'how many --witness witnesses must cosign (default: all)',
    },
    {
      name: 'no-witnesses',
      type: 'boolean',
      help: "publish the log's checkpoints without witnesses, whatever serve's --witness says",
    },
    {
      name: 'tsa',
      type: 'string',
      value: 'NAME=URL',
      repeatable: true,
      help: "an RFC 3161 time-stamping authority for the log's checkpoints (instead of serve's --tsa)",
    },
    {
      name: 'tsa-root',
      type: 'string',
      value: 'FILE.pem',
      repeatable: true,
      help: 'with --tsa: root certificates the TSA replies must chain to (stored with the policy)',
    },
    {
      name: 'no-tsa',
      type: 'boolean',
      help: "no time-stamping for the log, whatever serve's --tsa says",
    },
    {
      name: 'retention',
      type: 'string',
      value: 'PERIOD',
      help: 'keep records this long (e.g. 6y; at least 6mo): `proofline retention --apply` erases older ones',
    },
  ];
  if (!change) return flags;
  return [
    ...flags,
    {
      name: 'default-witnesses',
      type: 'boolean',
      help: "drop the log's own witnesses: serve's --witness flags apply again",
    },
    {
      name: 'default-tsa',
      type: 'boolean',
      help: "drop the log's own TSAs: serve's --tsa flags apply again",
    },
    { name: 'no-retention', type: 'boolean', help: 'keep records for ever (no retention period)' },
  ];
}

/** `--visibility public|private`, checked up front (a usage error otherwise). */
function visibilityOf(a: Args): LogVisibility | undefined {
  const value = a.string('visibility');
  if (value === undefined || value === 'public' || value === 'private') return value;
  throw new UsageError(`--visibility must be public or private, not ${JSON.stringify(value)}`);
}

function policyFlagsOf(a: Args): PolicyFlags {
  const quorum = a.integer('witness-quorum');
  return {
    witness: a.list('witness'),
    ...(quorum === undefined ? {} : { witnessQuorum: quorum }),
    noWitnesses: a.flag('no-witnesses'),
    defaultWitnesses: a.flag('default-witnesses'),
    tsa: a.list('tsa'),
    tsaRoot: a.list('tsa-root'),
    noTsa: a.flag('no-tsa'),
    defaultTsa: a.flag('default-tsa'),
    ...(a.string('retention') === undefined ? {} : { retention: a.string('retention')! }),
    noRetention: a.flag('no-retention'),
  };
}

/** Checks the policy flags up front: a conflict is a usage error (exit 2), nothing written. */
async function checkedPolicyFlags(a: Args): Promise<PolicyFlags> {
  const flags = policyFlagsOf(a);
  const { applyPolicyFlags } = await import('../commands/log-policy.js');
  try {
    applyPolicyFlags({}, flags);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return flags;
}

export const logPolicy: Command = {
  name: 'log-policy',
  summary: "show or change a log's own witness and time-stamping policy",
  description:
    'Without --witness/--no-witnesses/--default-witnesses or --tsa/--no-tsa/--default-tsa, ' +
    "prints the log's policy. Each part given replaces that part: its witnesses (and quorum), " +
    "or its TSAs (and roots). A part the log does not set follows serve's flags (--witness*, " +
    '--tsa*). Running servers apply a change within 5 s (their next checkpoint round). ' +
    'Needs no signing key: the policy is kept in the database. --visibility public makes a ' +
    "private log's entries readable by anyone (with a warning; entries once served can be " +
    'copied, so there is no way back); --visibility private on a public log is refused ' +
    'unless --force: it hides entries from now on, but cannot recall the ones already read. ' +
    'Running servers apply a visibility change within 2 s.',
  flags: [
    ...LOG_TARGET_FLAGS,
    ...policyFlags(true),
    {
      name: 'visibility',
      type: 'string',
      value: 'public|private',
      help: "who may read the log's entries (checkpoint and hash tiles are always public)",
    },
    {
      name: 'force',
      type: 'boolean',
      help: 'with --visibility private: make a public log private (entries already read stay out there)',
    },
  ],
  writes:
    "the log's witness and TSA policy and its visibility in the database, when flags change them",
  async run(a) {
    const target = targetOf(a);
    const flags = await checkedPolicyFlags(a);
    const visibility = visibilityOf(a);
    if (a.flag('force') && visibility !== 'private') {
      throw new UsageError('--force goes with --visibility private');
    }
    const { logPolicy: run } = await import('../commands/logs.js');
    await run({
      target,
      log: a.required('log'),
      flags,
      ...(visibility === undefined ? {} : { visibility }),
      force: a.flag('force'),
    });
    return 0;
  },
};

export const createLog: Command = {
  name: 'create-log',
  summary: 'create a log with its own signing key, owned by a tenant',
  description:
    "The only command that creates a log (besides serve's first start, which creates `default`). " +
    'With --witness or --tsa (or --no-witnesses, --no-tsa) the log gets its own witness or ' +
    "TSA policy, used instead of serve's flags; change it later with log-policy. A serve " +
    'running on the same deployment serves the new log without a restart. A new log is ' +
    'PRIVATE unless --visibility public: its checkpoint and hash tiles are public (anyone can ' +
    'check it is append-only), its entries are readable only with keys of its tenant and ' +
    'share links (proofline share).',
  flags: [
    ...TARGET_FLAGS,
    {
      name: 'log',
      type: 'string',
      value: 'NAME',
      default: DEFAULT_LOG,
      help: 'the new log (a-z, 0-9, -)',
    },
    {
      name: 'tenant',
      type: 'string',
      value: 'NAME',
      default: DEFAULT_TENANT,
      help: 'the tenant that owns it',
    },
    {
      name: 'origin',
      type: 'string',
      value: 'ORIGIN',
      help: "the log's origin line (default <host name>/logs/<NAME>)",
    },
    {
      name: 'visibility',
      type: 'string',
      value: 'public|private',
      default: 'private',
      help: "who may read the log's entries: its tenant's keys and share links only, or anyone",
    },
    ...policyFlags(false),
  ],
  writes:
    'the data folder (0700) and database (0600) if missing, the log, its key (0600 in a 0700 folder) and checkpoint guard',
  async run(a) {
    const target = targetOf(a);
    const { createLog: run } = await import('../commands/logs.js');
    await run({
      target,
      log: a.required('log'),
      origin: a.string('origin'),
      tenant: a.required('tenant'),
      policy: await checkedPolicyFlags(a),
      visibility: visibilityOf(a) ?? 'private',
    });
    return 0;
  },
};

export const rotateKey: Command = {
  name: 'rotate-key',
  summary: 'start a log key rotation: create the successor key, print its verifier key',
  description:
    "Creates <keys>/<LOG>.next.key beside the log's key and prints the successor's verifier " +
    'key. Once the nodes restart, every checkpoint carries the signatures of both keys, so ' +
    'verifiers pinned to either key accept it (docs/keys.md). Refused if a successor exists. ' +
    'A key in a PKCS#11 token or an external program: generate the successor there and give ' +
    'it as --log-signer LOG.next=pkcs11:… or LOG.next=exec:… instead.',
  flags: LOG_TARGET_FLAGS,
  writes: '<keys>/<LOG>.next.key',
  async run(a) {
    const target = targetOf(a);
    const { rotateKey: run } = await import('../commands/logs.js');
    await run({ target, log: a.required('log') });
    return 0;
  },
};

export const retireKey: Command = {
  name: 'retire-key',
  summary: 'finish a log key rotation: the successor key becomes the log key',
  description:
    "Makes the successor key (rotate-key) the log's registered key: it seals every later " +
    'entry and signs checkpoints alone. The log records the handover (the retired key, the ' +
    'entries it sealed, the last tree it signed) in a note both keys sign, which verifiers ' +
    'check; GET /logs/<LOG>/ publishes it. Needs a latest checkpoint of both keys over every ' +
    'entry, and every node stopped (the log lease is taken). Key files: the successor replaces ' +
    '<LOG>.key and the retired key is kept as <LOG>.retired-<key id>.key for you to delete. ' +
    'Token keys: give the successor as --log-signer LOG.next=… here, then as LOG=… afterwards.',
  flags: LOG_TARGET_FLAGS,
  writes: "the log's registered key and key history; <keys>/<LOG>.key, <LOG>.retired-<id>.key",
  async run(a) {
    const target = targetOf(a);
    const { retireKey: run } = await import('../commands/logs.js');
    await run({ target, log: a.required('log') });
    return 0;
  },
};
