import type { Command } from '../cli/command.js';
import { LOG_KEY_FLAG, URL_FLAG, apiKeyFlag } from './common.js';

export const erase: Command = {
  name: 'erase',
  summary: "erase a record's bytes from a private log, logging a signed erasure record",
  description:
    'The bytes go; the leaf hash stays in the tree, so every other proof, checkpoint and ' +
    'audit stays valid, and the erasure record (which record, when, by which key, why, and ' +
    'the erased leaf hash) shows auditors that and when it was erased. Public logs refuse.',
  positionals: [{ name: 'ID', help: 'the record id, e.g. acme-42' }],
  flags: [
    URL_FLAG,
    apiKeyFlag('an API key with the admin scope'),
    LOG_KEY_FLAG,
    {
      name: 'reason',
      type: 'string',
      value: 'TEXT',
      required: true,
      help: 'why (1–256 characters; it is logged: no personal data)',
    },
  ],
  writes: 'an erasure record into the log, and erases the record bytes (through the server)',
  async run(a) {
    const { eraseCommand } = await import('../commands/erase.js');
    return eraseCommand({
      id: a.positionals[0]!,
      url: a.required('url'),
      apiKey: a.required('api-key'),
      logKey: a.required('log-key'),
      reason: a.required('reason'),
    });
  },
};
