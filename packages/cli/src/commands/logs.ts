import {
  LOG_NAME_PATTERN,
  type LogConfig,
  type LogVisibility,
  type Storage,
} from '@proofline/storage';
import { createLogHint, DeploymentError, openDeployment, type Target } from '../deployment.js';
import {
  applyPolicyFlags,
  describeLogPolicy,
  formatLogPolicy,
  parseLogPolicy,
  type PolicyFlags,
} from './log-policy.js';

/**
 * `proofline log-key`: prints the verifier key of an existing log, after checking that its
 * signing key is present, private and matches; creates nothing.
 */
export async function logKey(options: { target: Target; log: string }): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    const { config } = await deployment.openLog(options.log);
    process.stdout.write(`${config.verifierKey}\n`);
  } finally {
    await deployment.close();
  }
}

/**
 * `proofline logs`: one line per log: name, tenant, origin, verifier key, visibility;
 * creates nothing.
 */
export async function listLogs(options: { target: Target }): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    for (const l of await deployment.storage.listLogs()) {
      process.stdout.write(
        `${l.name}\t${l.tenant}\t${l.origin}\t${l.verifierKey}\t${l.visibility}\n`,
      );
    }
  } finally {
    await deployment.close();
  }
}

/**
 * `proofline create-log`: creates a log with its own key, origin and visibility, and with
 * `policy` flags its own witness and TSA policy (checked before anything is created).
 */
export async function createLog(options: {
  target: Target;
  log: string;
  origin?: string;
  tenant: string;
  policy: PolicyFlags;
  visibility: LogVisibility;
}): Promise<void> {
  const policy = formatLogPolicy(applyPolicyFlags({}, options.policy));
  const deployment = await openDeployment(options.target);
  try {
    if (await deployment.storage.getLog(options.log)) {
      throw new Error(`log ${options.log} already exists`);
    }
    // The policy is created with the log: a serve that picks the log up sees it at once.
    const { config } = await deployment.log(
      options.log,
      options.origin,
      options.tenant,
      policy,
      options.visibility,
    );
    process.stdout.write(
      `created log ${config.name}\norigin ${config.origin}\nvisibility ${config.visibility}\n` +
        `${config.verifierKey}\n`,
    );
    console.error(
      config.visibility === 'private'
        ? `log ${config.name} is PRIVATE: its entries, records and proofs are readable only with ` +
            `API keys of tenant ${config.tenant} (records:read or audit:read) and with share ` +
            'links (proofline share); its checkpoint and hash tiles are public. For a log anyone ' +
            'may read, create it with --visibility public.'
        : `log ${config.name} is PUBLIC: anyone can read every entry (types, subjects, labels, ` +
            'digests) and that cannot be undone once they are served.',
    );
  } finally {
    await deployment.close();
  }
}

/**
 * `proofline log-policy`: prints the log's witness and TSA policy, after changing it by
 * `flags` if they change anything. Needs no key: the policy is in the database.
 */
export async function logPolicy(options: {
  target: Target;
  log: string;
  flags: PolicyFlags;
  visibility?: LogVisibility;
  force?: boolean;
}): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    const { storage } = deployment;
    const log = await storage.getLog(options.log);
    if (!log) {
      throw new DeploymentError(
        'NO_LOG',
        `no log ${JSON.stringify(options.log)}; nothing was changed. To create it: ` +
          createLogHint(options.target, LOG_NAME_PATTERN.test(options.log) ? options.log : 'NAME'),
      );
    }
    const stored = await storage.getLogPolicy(options.log);
    // A stored document that does not parse can only be replaced as a whole.
    let current;
    try {
      current = stored === undefined ? {} : parseLogPolicy(stored);
    } catch (err) {
      const { witness, noWitnesses, defaultWitnesses, tsa, noTsa, defaultTsa } = options.flags;
      const replacesAll =
        (witness.length > 0 || noWitnesses || !!defaultWitnesses) &&
        (tsa.length > 0 || noTsa || !!defaultTsa);
      if (!replacesAll) throw err;
      current = {};
    }
    const next = applyPolicyFlags(current, options.flags);
    const text = formatLogPolicy(next);
    const visibility = await changeVisibility(deployment.storage, log, options);
    if (text !== stored) await storage.setLogPolicy(options.log, text);
    const changed = text !== stored || visibility !== log.visibility;
    process.stdout.write(
      [
        `log ${options.log}${changed ? ' (changed)' : ''}`,
        ...describeLogPolicy(text === undefined ? undefined : next),
        `visibility ${visibility}`,
      ]
        .map((line) => `${line}\n`)
        .join(''),
    );
  } finally {
    await deployment.close();
  }
}

/**
 * Applies `--visibility`: private → public is allowed, with a warning (anyone may read and
 * copy every entry from then on); public → private needs `force`, since entries already
 * served may have been copied: it hides them from now on, it recalls nothing. Checked before
 * anything is written. Returns the visibility the log has now.
 */
async function changeVisibility(
  storage: Storage,
  log: LogConfig,
  options: { visibility?: LogVisibility; force?: boolean },
): Promise<LogVisibility> {
  const wanted = options.visibility;
  if (wanted === undefined || wanted === log.visibility) return log.visibility;
  if (wanted === 'private' && !options.force) {
    throw new DeploymentError(
      'VISIBILITY',
      `log ${log.name} is public: its entries may already have been read and copied, which ` +
        'making it private cannot undo; nothing was changed. To hide its entries from now on ' +
        'anyway: add --force.',
    );
  }
  await storage.setLogVisibility(log.name, wanted);
  console.error(
    wanted === 'public'
      ? `log ${log.name} is now PUBLIC: anyone can read and copy every entry (types, subjects, ` +
          'labels, digests); running servers serve them within 2 s.'
      : `log ${log.name} is now private: entries already served may have been copied.`,
  );
  return wanted;
}

/**
 * `proofline rotate-key`: creates the successor key of a log (a key file beside its key) and
 * prints its verifier key, to announce; from the next start every checkpoint carries both
 * keys' signatures (docs/keys.md). Writes only the new key file.
 */
export async function rotateKey(options: { target: Target; log: string }): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    const next = await deployment.createSuccessor(options.log);
    process.stdout.write(`${next}\n`);
    console.error(
      `successor key of log ${options.log} created. Restart the nodes: from then on every ` +
        'checkpoint is signed by both keys. Announce the new verifier key above; see docs/keys.md.',
    );
  } finally {
    await deployment.close();
  }
}

/**
 * `proofline retire-key`: finishes a key rotation (docs/keys.md): the successor becomes the
 * log's registered key, the key history records the handover, and the successor's verifier
 * key is printed. Refused, changing nothing, while a node runs or without a successor.
 */
export async function retireKey(options: { target: Target; log: string }): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    const r = await deployment.retireKey(options.log);
    process.stdout.write(`${r.successorKey}\n`);
    const kept =
      r.keptKeyFile === undefined
        ? 'Reconfigure the nodes to sign with the successor key (the token key or variable that was LOG.next) before restarting them.'
        : `The retired key's file is kept as ${r.keptKeyFile}: delete it (securely) once you no longer need it; nothing reads it any more.`;
    console.error(
      r.finishedOnly
        ? `finished the key file moves of an interrupted retire-key of log ${options.log}. ${kept}`
        : `retired key ${r.retiredKey} of log ${options.log}: it sealed entries [${r.start}, ${r.end}); ` +
            `the key above seals every entry from ${r.end} on and signs checkpoints alone. ${kept} ` +
            'Restart the nodes. Old receipts stay valid with the retired key (GET /logs/<name>/ lists the key history).',
    );
  } finally {
    await deployment.close();
  }
}
