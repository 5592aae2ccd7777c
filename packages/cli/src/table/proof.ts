import type { Command } from '../cli/command.js';
import { LOG_KEY_FLAG, URL_FLAG, apiKeyFlag } from './common.js';

export const proof: Command = {
  name: 'proof',
  summary: "fetch a record's proof bundle, verify it and save it",
  positionals: [{ name: 'ID', help: 'the record id (from attest)' }],
  flags: [
    URL_FLAG,
    { ...LOG_KEY_FLAG, env: 'PROOFLINE_LOG_KEY' },
    apiKeyFlag('for a record of a private log: a key of its tenant with records:read', false),
    {
      name: 'wait',
      type: 'integer',
      value: 'SECONDS',
      bare: 60,
      max: 86_400,
      help: 'poll until a checkpoint covers the record',
    },
    { name: 'out', type: 'string', value: 'DIR', default: '.', help: 'where to save the bundle' },
  ],
  exits: [[3, 'not yet provable']],
  writes: 'the bundle and .tlog-proof files in --out',
  async run(a) {
    const { proofCommand } = await import('../commands/proof.js');
    return proofCommand({
      id: a.positionals[0]!,
      url: a.required('url'),
      logKey: a.required('log-key'),
      ...optionalKey(a.string('api-key')),
      waitSeconds: a.integer('wait') ?? 0,
      out: a.required('out'),
    });
  },
};

function optionalKey(apiKey: string | undefined): { apiKey?: string } {
  return apiKey === undefined ? {} : { apiKey };
}
