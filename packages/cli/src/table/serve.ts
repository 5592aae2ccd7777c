import { UsageError, type Command } from '../cli/command.js';
import { TARGET_FLAGS, targetOf } from '../cli/target.js';

/** pino's levels, most severe first. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const serve: Command = {
  name: 'serve',
  summary: 'run the service: the HTTP API, a sequencer and a publisher for every log',
  description:
    'On its first start on an empty deployment, serve creates the log `default` (tenant ' +
    '`default`) and its signing key, and says so; every other log is made with create-log. ' +
    'On a first start with a --host other than loopback, --origin-base is required. ' +
    'Logs created while it runs (create-log by another process) are served from the first ' +
    'request that names them, or within 5 s. ' +
    'At start it prints on stderr each log (name, origin, verifier key, witnesses, ' +
    'time-stamping), a WARNING when it created a signing key, the storage, the witnesses and ' +
    'TSAs, and `proofline listening on URL`; stdout is the JSON log (pino). ' +
    'The --witness* and --tsa* flags apply to logs without a policy of their own (see ' +
    "log-policy); a change of a log's policy is applied within 5 s. " +
    'Exits non-zero, having closed what it opened, when the port is taken, the storage does ' +
    'not open, or the database is behind or beside a checkpoint this node signed. ' +
    'Runs until SIGTERM or SIGINT, then finishes in-flight work and exits 0.',
  flags: [
    ...TARGET_FLAGS,
    {
      name: 'port',
      type: 'integer',
      value: 'PORT',
      default: 8080,
      max: 65535,
      help: 'TCP port (0: any free port)',
    },
    {
      name: 'host',
      type: 'string',
      value: 'HOST',
      default: '127.0.0.1',
      help: 'address to listen on',
    },
    {
      name: 'checkpoint-interval',
      type: 'integer',
      value: 'MS',
      default: 500,
      min: 10,
      max: 3_600_000,
      help: "idle tick of each log's publisher: a round this long after the last one when no commit triggered one (lease renewal, entries other nodes sequenced)",
    },
    {
      name: 'checkpoint-min-interval',
      type: 'integer',
      value: 'MS',
      default: 100,
      min: 10,
      max: 3_600_000,
      help: 'each commit starts a publishing round (checkpoint, witnesses) once the previous one ended and this long after it started (at most --checkpoint-interval): at most 1000/MS rounds, and add-checkpoint requests per witness, a second per log',
    },
    {
      name: 'origin-base',
      type: 'string',
      value: 'HOST',
      help: 'origin prefix of the default log on first start (<HOST>/logs/default; default on loopback: the host name; required on other addresses)',
    },
    {
      name: 'log-level',
      type: 'string',
      value: 'LEVEL',
      default: 'info',
      env: 'PROOFLINE_LOG_LEVEL',
      help: `the JSON log's level: ${LOG_LEVELS.join(', ')}`,
    },
    {
      name: 'public-url',
      type: 'string',
      value: 'URL',
      help: 'base URL of verification links (default http://HOST:PORT)',
    },
    {
      name: 'rate-limit',
      type: 'integer',
      value: 'N',
      default: 2000,
      max: 10_000_000,
      help: 'requests per minute per API key unless the key sets its own (0: none)',
    },
    {
      name: 'witness',
      type: 'string',
      value: 'URL=WITNESS_VKEY',
      repeatable: true,
      help: 'a c2sp.org/tlog-witness to cosign each checkpoint before it is published (logs without their own witness policy: see log-policy)',
    },
    {
      name: 'witness-quorum',
      type: 'string',
      value: 'K',
      help: 'how many --witness witnesses must cosign (default: all)',
    },
    {
      name: 'witness-policy',
      type: 'string',
      value: 'FILE',
      help: 'instead of --witness: a C2SP tlog-policy file naming the witnesses and the quorum',
    },
    {
      name: 'witness-timeout',
      type: 'string',
      value: 'MS',
      help: 'how long to wait for the witnesses per round (default 5000)',
    },
    {
      name: 'tsa',
      type: 'string',
      value: 'NAME=URL',
      repeatable: true,
      help: 'an RFC 3161 time-stamping authority for each published checkpoint (tokens go into proof bundles; logs without their own TSA policy: see log-policy)',
    },
    {
      name: 'tsa-root',
      type: 'string',
      value: 'FILE.pem',
      repeatable: true,
      help: 'with --tsa: root certificates the TSA replies must chain to (published in GET /logs/<name>/)',
    },
    {
      name: 'tsa-timeout',
      type: 'string',
      value: 'MS',
      help: 'per time-stamp request (default 10000)',
    },
  ],
  writes:
    "the database (records, checkpoints) and each log's checkpoint guard; on first start the data folder, the log `default` and its key",
  async run(a) {
    const target = targetOf(a);
    // Each command loads only its own modules (start-up time of every CLI call).
    const [
      { serve: start },
      { witnessingFromArgs, witnessTimeoutFromArgs },
      { timestampingFromArgs },
    ] = await Promise.all([
      import('../commands/serve.js'),
      import('../commands/witness.js'),
      import('../commands/timestamping.js'),
    ]);
    const values = {
      witness: a.list('witness'),
      'witness-quorum': a.string('witness-quorum'),
      'witness-policy': a.string('witness-policy'),
      'witness-timeout': a.string('witness-timeout'),
      tsa: a.list('tsa'),
      'tsa-root': a.list('tsa-root'),
      'tsa-timeout': a.string('tsa-timeout'),
    };
    let timestamping;
    try {
      timestamping = timestampingFromArgs(values);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const witnessing = witnessingFromArgs(values);
    const witnessTimeoutMs = witnessTimeoutFromArgs(values);
    const logLevel = a.required('log-level');
    if (!LOG_LEVELS.includes(logLevel)) {
      throw new UsageError(
        `--log-level takes ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(logLevel)}`,
      );
    }
    const originBase = a.string('origin-base');
    const publicUrl = a.string('public-url');
    await start({
      target,
      port: a.integer('port')!,
      host: a.required('host'),
      checkpointIntervalMs: a.integer('checkpoint-interval')!,
      checkpointMinIntervalMs: a.integer('checkpoint-min-interval')!,
      ...(originBase === undefined ? {} : { originBase }),
      ...(publicUrl === undefined ? {} : { publicUrl }),
      rateLimit: a.integer('rate-limit')!,
      ...(witnessing === undefined ? {} : { witnessing }),
      ...(timestamping === undefined ? {} : { timestamping }),
      witnessTimeoutMs,
      logLevel,
    });
    return -1; // keeps running until a signal
  },
};
