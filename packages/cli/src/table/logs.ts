import type { Command } from '../cli/command.js';
import { LOG_TARGET_FLAGS, TARGET_FLAGS, targetOf } from '../cli/target.js';
import { DEFAULT_LOG, DEFAULT_TENANT } from '../defaults.js';

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
  summary: 'list the logs: name, tenant, origin, verifier key (tab-separated)',
  flags: TARGET_FLAGS,
  async run(a) {
    const target = targetOf(a);
    const { listLogs } = await import('../commands/logs.js');
    await listLogs({ target });
    return 0;
  },
};

export const createLog: Command = {
  name: 'create-log',
  summary: 'create a log with its own signing key, owned by a tenant',
  description:
    "The only command that creates a log (besides serve's first start, which creates `default`).",
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
    'A key in a PKCS#11 token: generate the successor on the token and give it as ' +
    '--log-signer LOG.next=pkcs11:… instead.',
  flags: LOG_TARGET_FLAGS,
  writes: '<keys>/<LOG>.next.key',
  async run(a) {
    const target = targetOf(a);
    const { rotateKey: run } = await import('../commands/logs.js');
    await run({ target, log: a.required('log') });
    return 0;
  },
};
