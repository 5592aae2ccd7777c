import type { Command } from '../cli/command.js';
import { LOG_KEY_FLAG, optional, apiKeyFlag } from './common.js';

export const audit: Command = {
  name: 'audit',
  summary: 'download a whole log, recompute every leaf, tile and the root, check consistency',
  positionals: [{ name: 'URL', help: "the log's prefix, e.g. http://host:8080/logs/default/" }],
  flags: [
    LOG_KEY_FLAG,
    {
      name: 'since',
      type: 'string',
      value: 'CHECKPOINT_FILE',
      help: 'a trusted checkpoint the log must be consistent with',
    },
    {
      name: 'save',
      type: 'string',
      value: 'CHECKPOINT_FILE',
      help: 'save the audited checkpoint (when it passes)',
    },
    {
      name: 'state',
      type: 'string',
      value: 'FILE',
      help: 'resume state: audit only what is new since the last run',
    },
    {
      name: 'no-records',
      type: 'boolean',
      help: 'skip checking that every entry is a valid record',
    },
    { name: 'json', type: 'boolean', help: 'print the result as JSON' },
    apiKeyFlag(
      "a key of the log's tenant (audit:read): a private log serves its entries only so",
      false,
    ),
  ],
  writes: 'with --save / --state, those files',
  async run(a) {
    const { auditCommand } = await import('../commands/audit.js');
    return auditCommand({
      url: a.positionals[0]!,
      logKey: a.required('log-key'),
      ...optional(a, 'api-key', 'apiKey'),
      ...optional(a, 'since', 'since'),
      ...optional(a, 'save', 'save'),
      ...optional(a, 'state', 'state'),
      records: !a.flag('no-records'),
      json: a.flag('json'),
    });
  },
};
