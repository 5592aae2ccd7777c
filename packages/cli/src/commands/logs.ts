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
