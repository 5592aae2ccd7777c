import { UsageError, type Command } from '../cli/command.js';
import { URL_FLAG, apiKeyFlag } from './common.js';
import { LOG_TARGET_FLAGS, targetOf } from '../cli/target.js';

export const retention: Command = {
  name: 'retention',
  summary: 'list, or with --apply erase, the records of a private log older than its retention',
  description:
    "The period is the log policy's (log-policy --retention 6y, read with --data/--db) or " +
    '--older-than. Each erased record gets its own signed erasure record, as with erase; the ' +
    'server erases 1000 per request until none is left.',
  flags: [
    ...LOG_TARGET_FLAGS,
    URL_FLAG,
    apiKeyFlag('an API key with the admin scope'),
    {
      name: 'older-than',
      type: 'string',
      value: 'PERIOD',
      help: "the period (e.g. 6y, 18mo, 400d; at least 6mo) instead of the log policy's",
    },
    { name: 'apply', type: 'boolean', help: 'erase the due records (default: only list them)' },
    { name: 'dry-run', type: 'boolean', help: 'only list the due records, even with --apply' },
  ],
  writes:
    'with --apply, erasure records into the log, and erases record bytes (through the server)',
  async run(a) {
    const { retentionCommand } = await import('../commands/retention.js');
    const olderThan = a.string('older-than');
    if (olderThan !== undefined) {
      const { parseRetention } = await import('../commands/retention-period.js');
      try {
        parseRetention(olderThan);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
    }
    return retentionCommand({
      url: a.required('url'),
      apiKey: a.required('api-key'),
      log: a.required('log'),
      ...(olderThan === undefined ? { target: targetOf(a) } : { olderThan }),
      apply: a.flag('apply'),
      dryRun: a.flag('dry-run'),
    });
  },
};
