import { UsageError, type Command } from '../cli/command.js';
import {
  LOG_KEY_FLAG,
  PERCENT_FLAGS,
  PERIOD_FLAGS,
  TRUST_FLAGS,
  filterOf,
  optional,
  witnessQuorumOf,
} from './common.js';

/** Issuer keys of transparent statements (the auditor's trust anchors; never packaged). */
const STATEMENT_KEY_FLAG = {
  name: 'statement-key',
  type: 'string',
  value: 'FILE',
  repeatable: true,
  help: "a statement issuer's public key to trust (PEM SubjectPublicKeyInfo, COSE_Key or COSE_KeySet; Ed25519 or P-256), matched by the statement's kid (the key's kid or RFC 9679 thumbprint)",
} as const;

export const evidence: Command = {
  name: 'evidence',
  summary:
    'write an evidence package (population, proof, sample bundles, report) that verifies offline',
  description: 'Give exactly one of --sample, --percent and --all.',
  flags: [
    ...PERIOD_FLAGS,
    LOG_KEY_FLAG,
    {
      name: 'sample',
      type: 'integer',
      value: 'N',
      help: 'sample N records (all of them if the population is smaller)',
    },
    ...PERCENT_FLAGS,
    { name: 'all', type: 'boolean', help: 'take every record of the population' },
    {
      name: 'seed',
      type: 'string',
      value: 'HEX',
      help: "the seed (default the end checkpoint's root hash)",
    },
    {
      name: 'out',
      type: 'string',
      value: 'FILE.zip',
      required: true,
      help: 'the package to write',
    },
    {
      name: 'statement',
      type: 'string',
      value: 'FILE',
      repeatable: true,
      help: "a SCITT transparent statement (COSE) registered in this log during the period, with the log's receipt: packaged as statements/<record id>.cose",
    },
    {
      ...STATEMENT_KEY_FLAG,
      help: `${STATEMENT_KEY_FLAG.help}: each --statement's signature is checked with them before packaging (they are not packaged)`,
    },
  ],
  writes: 'the --out ZIP file',
  async run(a) {
    if ([a.has('sample'), a.has('percent'), a.has('all')].filter(Boolean).length !== 1) {
      throw new UsageError('give one of --sample N, --percent P or --all');
    }
    const { evidenceCommand } = await import('../commands/evidence.js');
    const [size, min, max] = [a.integer('sample'), a.integer('min'), a.integer('max')];
    return evidenceCommand({
      url: a.required('url'),
      apiKey: a.required('api-key'),
      logKey: a.required('log-key'),
      ...optional(a, 'log', 'log'),
      from: a.required('from'),
      to: a.required('to'),
      filter: filterOf(a),
      sample: a.flag('all')
        ? { mode: 'all' }
        : size !== undefined
          ? { mode: 'size', size }
          : {
              mode: 'percent',
              percent: a.required('percent'),
              ...(min === undefined ? {} : { min }),
              ...(max === undefined ? {} : { max }),
            },
      ...optional(a, 'seed', 'seed'),
      out: a.required('out'),
      statements: a.list('statement'),
      statementKeys: a.list('statement-key'),
    });
  },
};

export const verifyEvidence: Command = {
  name: 'verify-evidence',
  summary: 're-verify an evidence package offline under a trust policy; one line per item',
  positionals: [{ name: 'FILE.zip', help: 'the evidence package' }],
  flags: [
    {
      ...LOG_KEY_FLAG,
      required: false,
      help: "the log's verifier key you trust (strongly recommended)",
    },
    ...TRUST_FLAGS,
    STATEMENT_KEY_FLAG,
  ],
  exits: [
    [1, 'NOT VERIFIED: an item failed'],
    [3, 'INCOMPLETE: nothing failed, but an item could not be verified'],
  ],
  async run(a) {
    const tsaRoots = a.list('tsa-root');
    if (a.flag('require-timestamp') && tsaRoots.length === 0) {
      throw new UsageError('--require-timestamp needs --tsa-root');
    }
    const { verifyEvidenceCommand } = await import('../commands/evidence.js');
    return verifyEvidenceCommand({
      file: a.positionals[0]!,
      ...optional(a, 'log-key', 'logKey'),
      witnessKeys: a.list('witness-key'),
      ...witnessQuorumOf(a),
      tsaRoots,
      requireTimestamp: a.flag('require-timestamp'),
      statementKeys: a.list('statement-key'),
      json: a.flag('json'),
    });
  },
};
