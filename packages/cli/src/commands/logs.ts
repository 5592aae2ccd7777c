import { openDeployment, type Target } from '../deployment.js';

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

/** `proofline logs`: one line per log: name, tenant, origin, verifier key; creates nothing. */
export async function listLogs(options: { target: Target }): Promise<void> {
  const deployment = await openDeployment(options.target, { existing: true });
  try {
    for (const l of await deployment.storage.listLogs()) {
      process.stdout.write(`${l.name}\t${l.tenant}\t${l.origin}\t${l.verifierKey}\n`);
    }
  } finally {
    await deployment.close();
  }
}

/** `proofline create-log`: creates a log with its own key and origin. */
export async function createLog(options: {
  target: Target;
  log: string;
  origin?: string;
  tenant: string;
}): Promise<void> {
  const deployment = await openDeployment(options.target);
  try {
    if (await deployment.storage.getLog(options.log)) {
      throw new Error(`log ${options.log} already exists`);
    }
    const { config } = await deployment.log(options.log, options.origin, options.tenant);
    process.stdout.write(
      `created log ${config.name}\norigin ${config.origin}\n${config.verifierKey}\n`,
    );
  } finally {
    await deployment.close();
  }
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
