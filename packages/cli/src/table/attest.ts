import { UsageError, type Args, type Command } from '../cli/command.js';
import { LOG_KEY_FLAG, optional, pairs, URL_FLAG, apiKeyFlag } from './common.js';

export const attest: Command = {
  name: 'attest',
  summary: 'hash files locally and attest them in one batch; verify the receipts',
  description:
    'The files never leave this machine. Checks the log key against the log first (a mismatch ' +
    'writes nothing), attests every file in one all-or-nothing batch, verifies each receipt, ' +
    'and prints FILE, id, digest and verification URL per file. With --wait, also fetches and ' +
    'verifies the proof bundles. With --scitt, makes a SCITT signed statement over one FILE ' +
    '(a hash envelope: its SHA-256, computed here) signed with --statement-key, registers it ' +
    '(POST /entries), verifies the receipt with the log key, writes the transparent statement ' +
    'to --out FILE and prints the entry id; the output path and the key are checked before ' +
    'anything is sent (docs/scitt.md).',
  positionals: [
    {
      name: 'FILE',
      many: true,
      optional: true,
      help: 'the files to attest (at least one); - reads standard input (once); --scitt: one, or none with --digest',
    },
  ],
  flags: [
    URL_FLAG,
    apiKeyFlag('an API key with the records:write scope'),
    LOG_KEY_FLAG,
    {
      name: 'type',
      type: 'string',
      value: 'TYPE',
      help: 'the statement type, e.g. build.artifact (required, except with --scitt)',
    },
    {
      name: 'log',
      type: 'string',
      value: 'NAME',
      help: "the log (needed when the key's tenant owns several)",
    },
    {
      name: 'subject',
      type: 'string',
      value: 'S',
      help: 'what the files are about (with --scitt: the CWT sub; default the file name)',
    },
    { name: 'label', type: 'string', value: 'k=v', repeatable: true, help: 'a public label' },
    {
      name: 'private',
      type: 'string',
      value: 'k=v',
      repeatable: true,
      help: 'a private label: only a salted commitment is logged; the salts are saved with --out',
    },
    {
      name: 'salted',
      type: 'boolean',
      help: 'log salted digests (nobody can confirm a guessed output); needs --out, where each salt is kept',
    },
    {
      name: 'control',
      type: 'string',
      value: 'ID',
      repeatable: true,
      help: 'a control the record evidences (warned of when not in the catalogue)',
    },
    {
      name: 'strict-controls',
      type: 'boolean',
      help: 'refuse, writing nothing, a --control that is not in the catalogue',
    },
    {
      name: 'issuer-key',
      type: 'string',
      value: 'FILE',
      help: 'sign the statements with this issuer signer key file',
    },
    {
      name: 'wait',
      type: 'integer',
      value: 'SECONDS',
      bare: 60,
      max: 86_400,
      help: 'also wait for and verify the proof bundles (with --scitt: for the receipt, default 60)',
    },
    {
      name: 'out',
      type: 'string',
      value: 'DIR',
      help: 'save receipts, salts and (with --wait) bundles in DIR; with --scitt, the transparent statement FILE',
    },
    {
      name: 'scitt',
      type: 'boolean',
      help: 'register a SCITT signed statement over FILE instead of a record statement',
    },
    {
      name: 'statement-key',
      type: 'string',
      value: 'FILE',
      help: '--scitt: the issuer key, a PKCS#8 PEM Ed25519 or P-256 private key (`proofline statement-key generate`)',
    },
    { name: 'iss', type: 'string', value: 'TEXT', help: '--scitt: the issuer (CWT iss)' },
    {
      name: 'kid',
      type: 'string',
      value: 'HEX',
      help: "--scitt: the key id; default the key's RFC 9679 thumbprint",
    },
    {
      name: 'content-type',
      type: 'string',
      value: 'TYPE',
      help: "--scitt: the artefact's media type (hash-envelope header 259)",
    },
    {
      name: 'digest',
      type: 'string',
      value: 'sha256:HEX',
      help: "--scitt: the artefact's SHA-256 instead of a FILE (needs --subject)",
    },
    { name: 'force', type: 'boolean', help: '--scitt: replace an existing --out file' },
  ],
  exits: [
    [1, 'failed: nothing was written (or the server refused the write)'],
    [3, 'logged, not yet provable (--wait ran out; the receipts verified)'],
    [4, 'written but not verified (the receipts are saved in --out or .)'],
  ],
  writes: 'records into the log (through the server); with --out, files in DIR',
  async run(a) {
    if (a.flag('scitt')) return runScitt(a);
    for (const flag of SCITT_ONLY) {
      if (a.has(flag)) throw new UsageError(`--${flag} goes with --scitt`);
    }
    if (a.string('type') === undefined) throw new UsageError('--type is required');
    if (a.positionals.length === 0) throw new UsageError('attest takes one or more FILE');
    if (a.positionals.filter((f) => f === '-').length > 1) {
      throw new UsageError('standard input (-) can be attested once');
    }
    if (a.flag('salted') && a.string('out') === undefined) {
      throw new UsageError(
        '--salted needs --out: the salts are kept there, and without them no file can be matched',
      );
    }
    const { attest: run } = await import('../commands/attest.js');
    const wait = a.integer('wait');
    return run({
      files: a.positionals,
      url: a.required('url'),
      apiKey: a.required('api-key'),
      logKey: a.required('log-key'),
      type: a.required('type'),
      ...optional(a, 'log', 'log'),
      ...optional(a, 'subject', 'subject'),
      labels: pairs(a, 'label'),
      privateLabels: pairs(a, 'private'),
      controls: a.list('control'),
      strictControls: a.flag('strict-controls'),
      ...optional(a, 'issuer-key', 'issuerKey'),
      ...(wait === undefined ? {} : { waitSeconds: wait }),
      ...optional(a, 'out', 'out'),
      salted: a.flag('salted'),
    });
  },
};

/** Flags of `attest --scitt` only, and flags of record statements that it refuses. */
const SCITT_ONLY = ['statement-key', 'iss', 'kid', 'content-type', 'force', 'digest'];
const RECORD_ONLY = [
  'type',
  'label',
  'private',
  'salted',
  'control',
  'strict-controls',
  'issuer-key',
];

async function runScitt(a: Args): Promise<number> {
  for (const flag of RECORD_ONLY) {
    if (a.has(flag)) throw new UsageError(`--${flag} does not go with --scitt`);
  }
  const digest = a.string('digest');
  if (a.positionals.length !== (digest === undefined ? 1 : 0)) {
    throw new UsageError('--scitt registers one FILE, or a --digest without FILE');
  }
  for (const flag of ['statement-key', 'iss', 'out']) {
    if (a.string(flag) === undefined) throw new UsageError(`--scitt needs --${flag}`);
  }
  const { attestScitt } = await import('../commands/attest-scitt.js');
  return attestScitt({
    artefact: digest === undefined ? { file: a.positionals[0]! } : { digest },
    url: a.required('url'),
    apiKey: a.required('api-key'),
    logKey: a.required('log-key'),
    ...optional(a, 'log', 'log'),
    statementKey: a.required('statement-key'),
    issuer: a.required('iss'),
    ...optional(a, 'subject', 'subject'),
    ...optional(a, 'kid', 'kid'),
    ...optional(a, 'content-type', 'contentType'),
    out: a.required('out'),
    force: a.flag('force'),
    waitSeconds: a.integer('wait') ?? 60,
  });
}
