import type { Command } from '../cli/command.js';
import { LOG_KEY_FLAG, TRUST_FLAGS, optional, witnessQuorumOf } from './common.js';

export const verify: Command = {
  name: 'verify',
  summary:
    'check a proof bundle, .tlog-proof, COSE receipt or transparent statement offline (and against the live log); prints every check',
  description:
    'A receipt file (from attest) is checked as a receipt: exit 3, logged, not yet provable. ' +
    'A COSE receipt (GET /entries/ID) or transparent statement (CBOR) is checked against ' +
    '--log-key, --statement-key and --checkpoint; its tree size and index are confirmed only ' +
    'with --checkpoint. ' +
    "With --log-url (the log's prefix, e.g. http://host/logs/default/) the bundle's checkpoint " +
    'is also checked for consistency with the live log.',
  positionals: [
    {
      name: 'BUNDLE|RECEIPT',
      help: 'a proof bundle (.json), .tlog-proof, receipt file, COSE receipt or transparent statement',
    },
  ],
  flags: [
    LOG_KEY_FLAG,
    {
      name: 'file',
      type: 'string',
      value: 'ORIGINAL',
      help: 'check that this file has the recorded digest',
    },
    {
      name: 'salt',
      type: 'string',
      value: 'HEX',
      help: "a salted digest's salt (default: the one attest kept in <id>.receipt.json)",
    },
    {
      name: 'trusted-checkpoint',
      type: 'string',
      value: 'FILE',
      help: 'a checkpoint to check consistency with',
    },
    {
      name: 'log-url',
      type: 'string',
      value: 'URL',
      help: "the log's prefix, to check against the live log",
    },
    {
      name: 'issuer-key',
      type: 'string',
      value: 'VKEY',
      repeatable: true,
      help: 'an issuer verifier key to trust',
    },
    { name: 'require-issuer', type: 'boolean', help: 'fail without a trusted issuer signature' },
    {
      name: 'statement-key',
      type: 'string',
      value: 'FILE',
      repeatable: true,
      help: 'COSE files: a trusted issuer key of signed statements (PEM SPKI, COSE_Key or COSE_KeySet)',
    },
    {
      name: 'checkpoint',
      type: 'string',
      value: 'FILE',
      help: "COSE files: the log's signed checkpoint of the receipt's size (confirms size and index)",
    },
    {
      name: 'key-history',
      type: 'string',
      value: 'FILE',
      help: "the log's description (GET /logs/<name>/) with its signed key history, after a key rotation",
    },
    ...TRUST_FLAGS,
  ],
  exits: [[3, 'a receipt verified (logged, not yet provable)']],
  async run(a) {
    const { verifyCommand } = await import('../commands/verify.js');
    return verifyCommand({
      file: a.positionals[0]!,
      logKey: a.required('log-key'),
      ...optional(a, 'file', 'original'),
      ...optional(a, 'salt', 'salt'),
      ...optional(a, 'trusted-checkpoint', 'trustedCheckpoint'),
      ...optional(a, 'log-url', 'logUrl'),
      ...optional(a, 'key-history', 'keyHistory'),
      issuerKeys: a.list('issuer-key'),
      requireIssuer: a.flag('require-issuer'),
      statementKeys: a.list('statement-key'),
      ...optional(a, 'checkpoint', 'checkpoint'),
      witnessKeys: a.list('witness-key'),
      ...witnessQuorumOf(a),
      tsaRoots: a.list('tsa-root'),
      requireTimestamp: a.flag('require-timestamp'),
      json: a.flag('json'),
    });
  },
};
