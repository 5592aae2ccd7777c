import { UsageError, type Command } from '../cli/command.js';
import { FILTER_FLAGS, PERCENT_FLAGS, PERIOD_FLAGS, filterOf, optional } from './common.js';

const OPTIONAL_LOG_KEY = {
  name: 'log-key',
  type: 'string',
  value: 'VKEY',
  help: "the log's verifier key to check the completeness proof against (strongly recommended)",
} as const;

export const population: Command = {
  name: 'population',
  summary: "stream a period's records with their completeness proof, checked as they stream",
  description: 'Needs an audit:read key. The checks go to standard error; exit 1 if one fails.',
  flags: [
    ...PERIOD_FLAGS,
    OPTIONAL_LOG_KEY,
    {
      name: 'format',
      type: 'string',
      value: 'jsonl|csv',
      default: 'jsonl',
      help: 'JSON lines (checked) or CSV',
    },
    { name: 'out', type: 'string', value: 'FILE', help: 'output file (default standard output)' },
    {
      name: 'proof',
      type: 'string',
      value: 'FILE',
      help: 'with csv: save the completeness proof (JSON)',
    },
    {
      name: 'key-history-out',
      type: 'string',
      value: 'FILE',
      help: "with --log-key: save the log's key history (key-history.json) once it verified, for sample --key-history",
    },
  ],
  writes: 'the --out and --proof files, once the server answered; the --key-history-out file',
  async run(a) {
    const format = a.required('format');
    if (a.has('key-history-out') && !a.has('log-key'))
      throw new UsageError('--key-history-out needs --log-key (the history is verified first)');
    if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format is jsonl or csv');
    const { populationCommand } = await import('../commands/population.js');
    return populationCommand({
      url: a.required('url'),
      apiKey: a.required('api-key'),
      ...optional(a, 'log-key', 'logKey'),
      ...optional(a, 'log', 'log'),
      from: a.required('from'),
      to: a.required('to'),
      filter: filterOf(a),
      format,
      ...optional(a, 'out', 'out'),
      ...optional(a, 'proof', 'proofOut'),
      ...optional(a, 'key-history-out', 'keyHistoryOut'),
    });
  },
};

export const sample: Command = {
  name: 'sample',
  summary: 'draw a reproducible sample from a population file',
  description:
    "The default seed is the end-of-period checkpoint's root hash, so neither party chooses it. " +
    'Give exactly one of --size and --percent.',
  flags: [
    {
      name: 'population',
      type: 'string',
      value: 'FILE',
      required: true,
      help: 'a population file (JSON lines or CSV)',
    },
    { name: 'size', type: 'integer', value: 'N', help: 'sample N records' },
    ...PERCENT_FLAGS,
    {
      name: 'seed',
      type: 'string',
      value: 'HEX',
      help: 'the seed (required for a CSV population)',
    },
    ...FILTER_FLAGS,
    OPTIONAL_LOG_KEY,
    {
      name: 'key-history',
      type: 'string',
      value: 'FILE',
      help: "with --log-key: the log's key history (key-history.json or the log's description), after a key retirement",
    },
    { name: 'out', type: 'string', value: 'FILE', help: 'output file (default standard output)' },
  ],
  writes: 'the --out file',
  async run(a) {
    if (a.has('size') === a.has('percent'))
      throw new UsageError('give either --size N or --percent P');
    const { sampleCommand } = await import('../commands/sample.js');
    const [size, min, max] = [a.integer('size'), a.integer('min'), a.integer('max')];
    return sampleCommand({
      population: a.required('population'),
      ...(size === undefined ? {} : { size }),
      ...optional(a, 'percent', 'percent'),
      ...(min === undefined ? {} : { min }),
      ...(max === undefined ? {} : { max }),
      ...optional(a, 'seed', 'seed'),
      filter: filterOf(a),
      ...optional(a, 'log-key', 'logKey'),
      ...optional(a, 'key-history', 'keyHistory'),
      ...optional(a, 'out', 'out'),
    });
  },
};
