import { readFileSync } from 'node:fs';
import type { Command } from '../cli/command.js';
import { apiKeyFlag, LOG_KEY_FLAG, optional } from './common.js';

export const monitor: Command = {
  name: 'monitor',
  summary: 'follow a log: every new checkpoint consistent, every new entry a valid record',
  description:
    'On a fork, rollback, bad signature or bad entry: save the evidence beside --state, call ' +
    'the webhook and exit 1. A log that cannot be read is an outage: retried with backoff ' +
    '(up to 5 minutes apart), reported through the webhook after --outage-alert seconds.',
  positionals: [{ name: 'URL', help: "the log's prefix, e.g. http://host:8080/logs/default/" }],
  flags: [
    LOG_KEY_FLAG,
    {
      name: 'state',
      type: 'string',
      value: 'FILE',
      required: true,
      help: 'the last trusted checkpoint, kept between runs',
    },
    {
      name: 'interval',
      type: 'integer',
      value: 'SECONDS',
      default: 10,
      min: 1,
      max: 86_400,
      help: 'polling interval',
    },
    {
      name: 'webhook',
      type: 'string',
      value: 'URL',
      help: 'POSTed the evidence on misbehaviour, and outage notices (retried until a 2xx)',
    },
    {
      name: 'outage-alert',
      type: 'integer',
      value: 'SECONDS',
      default: 300,
      min: 1,
      max: 86_400,
      help: 'report an outage of the log longer than this through the webhook',
    },
    { name: 'once', type: 'boolean', help: 'check once and exit' },
    apiKeyFlag(
      "a key of the log's tenant (audit:read): a private log serves its entries only so",
      false,
    ),
  ],
  writes: 'the --state file and evidence files beside it',
  async run(a) {
    const { monitor: run } = await import('../commands/monitor.js');
    return run({
      url: a.positionals[0]!,
      logKey: a.required('log-key'),
      ...optional(a, 'api-key', 'apiKey'),
      state: a.required('state'),
      intervalSeconds: a.integer('interval')!,
      ...optional(a, 'webhook', 'webhook'),
      once: a.flag('once'),
      outageAlertSeconds: a.integer('outage-alert')!,
    });
  },
};

export const checkEvidence: Command = {
  name: 'check-evidence',
  summary: "re-check a monitor's evidence file offline; prints PROVEN and the finding",
  positionals: [{ name: 'FILE', help: 'an evidence file saved by monitor' }],
  async run(a) {
    const { checkEvidence: check } = await import('../commands/monitor.js');
    const evidence = JSON.parse(readFileSync(a.positionals[0]!, 'utf8')) as Parameters<
      typeof check
    >[0];
    process.stdout.write(`PROVEN ${await check(evidence)}\n`);
    return 0;
  },
};
