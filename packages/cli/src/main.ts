#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import {
  WITNESS_SERVE_OPTIONS,
  WITNESS_SERVE_USAGE,
  WITNESS_USAGE,
} from './commands/witness-usage.js';
import {
  TSA_SERVE_OPTIONS,
  TSA_SERVE_USAGE,
  timestampingFromArgs,
} from './commands/timestamping.js';
import { DEFAULT_LOG } from './defaults.js';
import type { Target } from './deployment.js';
import type { Evidence } from './commands/monitor.js';

const USAGE = `usage: proofline <command> [options]

Every command that takes --data DIR (SQLite) also runs on PostgreSQL with
--db postgres://… --keys DIR [--db-schema NAME] (or PROOFLINE_DB, PROOFLINE_KEYS,
PROOFLINE_DB_SCHEMA), shared by any number of nodes. With either, --state-dir DIR (or
PROOFLINE_STATE_DIR) is where this node keeps the last checkpoint it signed per log
(default: the key directory).

commands:
  serve       --data DIR [--port 8080] [--host 127.0.0.1] [--checkpoint-interval MS] [--origin-base HOST]
              [--public-url URL] [--rate-limit N]
              run the service on SQLite in DIR (creating the default log and its key on first start)
${WITNESS_SERVE_USAGE}${TSA_SERVE_USAGE}  append      --data DIR [--log NAME] [--chunk N] [--wait MS]
              import JSON statements, one per line of standard input; prints "appended FIRST-LAST" per commit
  reset-guard --data DIR [--log NAME]
              deliberately restart this node's checkpoint guard from the database's latest checkpoint
              (after a restore that serve refused; see packages/sequencer/README.md)
  log-key     --data DIR [--log NAME]
              print a log's verifier key
  create-log  --data DIR --log NAME [--tenant NAME] [--origin ORIGIN]
              create another log with its own key, owned by a tenant
  api-key     create --data DIR --tenant NAME --scope SCOPE... [--description TEXT] [--rate-limit N]
              list --data DIR [--tenant NAME]  |  revoke --data DIR --id ID
              scopes: records:write records:read audit:read admin
  attest      FILE... --url URL --api-key KEY --log-key VKEY --type TYPE [--log NAME] [--subject S]
              [--label k=v]... [--private k=v]... [--control ID]... [--issuer-key FILE]
              [--wait[=SECONDS]] [--out DIR]
              hash files locally, check the log key against the log (a mismatch writes nothing),
              attest them (one batch), verify the receipts; the files never leave (the API key may
              come from PROOFLINE_API_KEY); --wait: also fetch and verify the proof bundles (60 s)
              exit: 0 verified; 1 failed, nothing written; 3 logged, not yet provable (--wait ran
              out: the receipts verified); 4 written but not verified (receipts saved in --out or .)
  proof       ID --url URL --log-key VKEY [--wait[=SECONDS]] [--out DIR]
              fetch a record's proof bundle, verify it and save it in DIR (default .); --wait polls
              until a checkpoint covers the record (60 s); the key may come from PROOFLINE_LOG_KEY
              exit: 0 verified and saved; 1 failed; 3 not yet provable
  verify      BUNDLE|RECEIPT --log-key VKEY [--file ORIGINAL] [--trusted-checkpoint FILE] [--log-url URL]
              [--issuer-key VKEY]... [--require-issuer] [--witness-key VKEY]... [--witness-quorum K]
              [--tsa-root FILE.pem]... [--require-timestamp] [--json]
              check a proof bundle (.json) or .tlog-proof offline, and with --log-url (the log's
              prefix, e.g. http://host/logs/default/) against the live log; prints every check;
              a receipt file (from attest) is checked as a receipt: exit 3, logged, not yet provable
              exit: 0 verified; 1 failed; 3 a receipt verified
  audit       URL --log-key VKEY [--since CHECKPOINT_FILE] [--save CHECKPOINT_FILE] [--state FILE]
              [--no-records] [--json]
              download the whole log (URL: its prefix, e.g. http://host/logs/default/), recompute every
              leaf, tile and the root, check consistency with a trusted checkpoint
  monitor     URL --log-key VKEY --state FILE [--interval SECONDS] [--webhook URL] [--once]
              follow a log: every new checkpoint must be consistent with the last trusted one and
              every new entry a valid record; on a fork, rollback, bad signature or bad entry, save
              the evidence, call the webhook and exit 1
  check-evidence FILE
              re-check a monitor's evidence file offline
  issuer-key  add|revoke --data DIR --tenant NAME --key VERIFIER_KEY  |  list --data DIR --tenant NAME
              the keys whose issuer signatures a tenant's records may carry
  population  --url URL --api-key KEY --from DATE --to DATE [--log NAME] [--log-key VKEY] [--type T]
              [--control ID] [--label k:v] [--format jsonl|csv] [--out FILE] [--proof FILE]
              stream a period's records (audit:read key) with their completeness proof, checked
              against --log-key as they stream
  sample      --population FILE (--size N | --percent P [--min A] [--max B]) [--seed HEX]
              [--type T] [--control ID] [--label k:v] [--log-key VKEY] [--out FILE]
              draw a reproducible sample (default seed: the end-of-period checkpoint's root hash)
  evidence    --url URL --api-key KEY --log-key VKEY --from DATE --to DATE --out FILE.zip [--log NAME]
              [--type T] [--control ID] [--label k:v] (--sample N | --percent P [--min A] [--max B] | --all)
              [--seed HEX]
              write an evidence package (population, proof, sample bundles, report) that verifies offline
  verify-evidence FILE.zip [--log-key VKEY] [--witness-key VKEY]... [--witness-quorum K]
              [--tsa-root FILE.pem]... [--require-timestamp] [--json]
              re-verify an evidence package offline under that trust policy; one line per item;
              exit 0 VERIFIED, 1 NOT VERIFIED (an item failed), 3 INCOMPLETE (an item not verifiable)
  reveal      BUNDLE --log-key VKEY --label NAME (--value V --salt BASE64 | --salts FILE.salts.json)
              verify the bundle, then check a private label's value and salt against its commitment
${WITNESS_USAGE}`;

class UsageError extends Error {}

const common = {
  data: { type: 'string' },
  db: { type: 'string' },
  keys: { type: 'string' },
  'db-schema': { type: 'string' },
  'state-dir': { type: 'string' },
  log: { type: 'string', default: DEFAULT_LOG },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

type Values = Record<string, string | boolean | string[] | undefined> & {
  log: string;
  target: Target;
};

function parse(args: string[], options: ParseArgsConfig['options']): Values {
  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  try {
    ({ values } = parseArgs({ args, options: { ...common, ...options }, strict: true }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const data = text(values.data);
  const db = text(values.db ?? process.env.PROOFLINE_DB);
  const keys = text(values.keys ?? process.env.PROOFLINE_KEYS);
  if ((data === undefined || data === '') === (db === undefined || db === '')) {
    throw new UsageError('give either --data DIR (SQLite) or --db postgres://… (PostgreSQL)');
  }
  if (db !== undefined && !keys)
    throw new UsageError('--db needs --keys DIR: the log keys shared by the nodes');
  const schema = text(values['db-schema'] ?? process.env.PROOFLINE_DB_SCHEMA);
  const state = text(values['state-dir'] ?? process.env.PROOFLINE_STATE_DIR);
  const target: Target = {
    ...(data ? { data } : { db: db!, keys: keys!, ...(schema ? { schema } : {}) }),
    ...(state ? { state } : {}),
  };
  return { ...values, target } as Values;
}

/** Options for commands that take positional arguments and no data directory. */
function parseLoose(args: string[], options: ParseArgsConfig['options']) {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
    if (parsed.values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    return parsed as { values: Record<string, unknown>; positionals: string[] };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Repeated `--name k=v` options as an object. */
function pairs(list: unknown, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of (list as string[] | undefined) ?? []) {
    const eq = item.indexOf('=');
    if (eq < 1) throw new UsageError(`--${name} takes key=value, got ${JSON.stringify(item)}`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Default of a bare `--wait`, in seconds. */
const WAIT_SECONDS = 60;

/**
 * Takes `--wait` and `--wait=SECONDS` out of `args` (parseArgs has no optional values):
 * undefined without it, WAIT_SECONDS for a bare `--wait`.
 */
function takeWait(args: string[]): { args: string[]; waitSeconds?: number } {
  let waitSeconds: number | undefined;
  const rest = args.filter((arg) => {
    if (arg !== '--wait' && !arg.startsWith('--wait=')) return true;
    waitSeconds = arg === '--wait' ? WAIT_SECONDS : integer(arg.slice(7), 'wait', 0, 86_400);
    return false;
  });
  return { args: rest, ...(waitSeconds === undefined ? {} : { waitSeconds }) };
}

function requiredValue(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function optionalValue<K extends string>(
  values: Record<string, unknown>,
  name: K,
): { [P in K]?: string } {
  const value = values[name];
  return (typeof value === 'string' ? { [name]: value } : {}) as { [P in K]?: string };
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function integer(value: unknown, name: string, min: number, max: number): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** `--type`, `--control` and `--label` as a population filter. */
function filterOf(values: Record<string, unknown>) {
  return {
    ...optionalValue(values, 'type'),
    ...optionalValue(values, 'control'),
    ...optionalValue(values, 'label'),
  };
}

function apiKeyOf(values: Record<string, unknown>): string {
  const apiKey =
    typeof values['api-key'] === 'string' ? values['api-key'] : process.env.PROOFLINE_API_KEY;
  if (!apiKey) throw new UsageError('--api-key (or PROOFLINE_API_KEY) is required');
  return apiKey;
}

function logKeyOf(values: Record<string, unknown>): { logKey?: string } {
  return typeof values['log-key'] === 'string' ? { logKey: values['log-key'] } : {};
}

const FILTER_OPTIONS = {
  type: { type: 'string' },
  control: { type: 'string' },
  label: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** A server, credentials and a period of a log, with a population filter. */
const PERIOD_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'log-key': { type: 'string' },
  log: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  ...FILTER_OPTIONS,
} as const satisfies ParseArgsConfig['options'];

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve': {
      // Each command loads only its own modules (start-up time of every CLI call).
      const { serve } = await import('./commands/serve.js');
      const { witnessingFromArgs } = await import('./commands/witness.js');
      const v = parse(args, {
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        'checkpoint-interval': { type: 'string', default: '500' },
        'origin-base': { type: 'string' },
        'public-url': { type: 'string' },
        'rate-limit': { type: 'string', default: '2000' },
        ...WITNESS_SERVE_OPTIONS,
        ...TSA_SERVE_OPTIONS,
      });
      let timestamping;
      try {
        timestamping = timestampingFromArgs(v);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      await serve({
        target: v.target,
        port: integer(v.port, 'port', 0, 65535),
        host: text(v.host) ?? '127.0.0.1',
        checkpointIntervalMs: integer(
          v['checkpoint-interval'],
          'checkpoint-interval',
          10,
          3_600_000,
        ),
        originBase: text(v['origin-base']),
        publicUrl: text(v['public-url']),
        rateLimit: integer(v['rate-limit'], 'rate-limit', 0, 10_000_000),
        witnessing: witnessingFromArgs(v),
        ...(timestamping === undefined ? {} : { timestamping }),
      });
      return -1; // keeps running until a signal
    }
    case 'witness':
    case 'witness-key':
      return (await import('./commands/witness.js')).witnessMain(argv);
    case 'append': {
      const { append } = await import('./commands/append.js');
      const v = parse(args, {
        chunk: { type: 'string', default: '1000' },
        wait: { type: 'string', default: '30000' },
      });
      await append({
        target: v.target,
        log: v.log,
        chunkSize: integer(v.chunk, 'chunk', 1, 65536),
        waitMs: integer(v.wait, 'wait', 0, 3_600_000),
      });
      return 0;
    }
    case 'audit': {
      const { auditCommand } = await import('./commands/audit.js');
      const { values, positionals } = parseLoose(args, {
        'log-key': { type: 'string' },
        since: { type: 'string' },
        save: { type: 'string' },
        state: { type: 'string' },
        'no-records': { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (positionals.length !== 1) throw new UsageError('audit takes one URL');
      return auditCommand({
        url: positionals[0]!,
        logKey: requiredValue(values, 'log-key'),
        ...optionalValue(values, 'since'),
        ...optionalValue(values, 'save'),
        ...optionalValue(values, 'state'),
        records: values['no-records'] !== true,
        json: values.json === true,
      });
    }
    case 'verify': {
      const { verifyCommand } = await import('./commands/verify.js');
      const { values, positionals } = parseLoose(args, {
        'log-key': { type: 'string' },
        file: { type: 'string' },
        'trusted-checkpoint': { type: 'string' },
        'log-url': { type: 'string' },
        'issuer-key': { type: 'string', multiple: true },
        'require-issuer': { type: 'boolean' },
        'witness-key': { type: 'string', multiple: true },
        'witness-quorum': { type: 'string' },
        'tsa-root': { type: 'string', multiple: true },
        'require-timestamp': { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (positionals.length !== 1) throw new UsageError('verify takes one BUNDLE or RECEIPT file');
      const witnessKeys = (values['witness-key'] as string[] | undefined) ?? [];
      return verifyCommand({
        file: positionals[0]!,
        logKey: requiredValue(values, 'log-key'),
        ...(typeof values.file === 'string' ? { original: values.file } : {}),
        ...(typeof values['trusted-checkpoint'] === 'string'
          ? { trustedCheckpoint: values['trusted-checkpoint'] }
          : {}),
        ...(typeof values['log-url'] === 'string' ? { logUrl: values['log-url'] } : {}),
        issuerKeys: (values['issuer-key'] as string[] | undefined) ?? [],
        requireIssuer: values['require-issuer'] === true,
        witnessKeys,
        ...(values['witness-quorum'] === undefined
          ? {}
          : {
              witnessQuorum: integer(
                values['witness-quorum'],
                'witness-quorum',
                1,
                witnessKeys.length || 1,
              ),
            }),
        tsaRoots: (values['tsa-root'] as string[] | undefined) ?? [],
        requireTimestamp: values['require-timestamp'] === true,
        json: values.json === true,
      });
    }
    case 'attest': {
      const { attest } = await import('./commands/attest.js');
      const { args: rest, waitSeconds } = takeWait(args);
      const { values, positionals } = parseLoose(rest, {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        'log-key': { type: 'string' },
        log: { type: 'string' },
        type: { type: 'string' },
        subject: { type: 'string' },
        label: { type: 'string', multiple: true },
        private: { type: 'string', multiple: true },
        control: { type: 'string', multiple: true },
        'issuer-key': { type: 'string' },
        out: { type: 'string' },
      });
      if (positionals.length === 0) throw new UsageError('attest takes one or more FILEs');
      const apiKey =
        typeof values['api-key'] === 'string' ? values['api-key'] : process.env.PROOFLINE_API_KEY;
      if (!apiKey) throw new UsageError('--api-key (or PROOFLINE_API_KEY) is required');
      return attest({
        files: positionals,
        url: requiredValue(values, 'url'),
        apiKey,
        logKey: requiredValue(values, 'log-key'),
        type: requiredValue(values, 'type'),
        ...optionalValue(values, 'log'),
        ...optionalValue(values, 'subject'),
        labels: pairs(values.label, 'label'),
        privateLabels: pairs(values.private, 'private'),
        controls: (values.control as string[] | undefined) ?? [],
        ...(typeof values['issuer-key'] === 'string' ? { issuerKey: values['issuer-key'] } : {}),
        ...(waitSeconds === undefined ? {} : { waitSeconds }),
        ...optionalValue(values, 'out'),
      });
    }
    case 'proof': {
      const { proofCommand } = await import('./commands/proof.js');
      const { args: rest, waitSeconds } = takeWait(args);
      const { values, positionals } = parseLoose(rest, {
        url: { type: 'string' },
        'log-key': { type: 'string' },
        out: { type: 'string', default: '.' },
      });
      if (positionals.length !== 1) throw new UsageError('proof takes one record ID');
      const logKey = text(values['log-key']) ?? process.env.PROOFLINE_LOG_KEY;
      if (!logKey) throw new UsageError('--log-key (or PROOFLINE_LOG_KEY) is required');
      return proofCommand({
        id: positionals[0]!,
        url: requiredValue(values, 'url'),
        logKey,
        waitSeconds: waitSeconds ?? 0,
        out: requiredValue(values, 'out'),
      });
    }
    case 'monitor': {
      const { monitor } = await import('./commands/monitor.js');
      const { values, positionals } = parseLoose(args, {
        'log-key': { type: 'string' },
        state: { type: 'string' },
        interval: { type: 'string', default: '10' },
        webhook: { type: 'string' },
        once: { type: 'boolean' },
      });
      if (positionals.length !== 1) throw new UsageError('monitor takes one URL');
      return monitor({
        url: positionals[0]!,
        logKey: requiredValue(values, 'log-key'),
        state: requiredValue(values, 'state'),
        intervalSeconds: integer(values.interval, 'interval', 1, 86_400),
        ...optionalValue(values, 'webhook'),
        once: values.once === true,
      });
    }
    case 'check-evidence': {
      const { checkEvidence } = await import('./commands/monitor.js');
      const { positionals } = parseLoose(args, {});
      if (positionals.length !== 1) throw new UsageError('check-evidence takes one FILE');
      const finding = await checkEvidence(
        JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Evidence,
      );
      process.stdout.write(`PROVEN ${finding}\n`);
      return 0;
    }
    case 'population': {
      const { populationCommand } = await import('./commands/population.js');
      const { values, positionals } = parseLoose(args, {
        ...PERIOD_OPTIONS,
        format: { type: 'string', default: 'jsonl' },
        out: { type: 'string' },
        proof: { type: 'string' },
      });
      if (positionals.length !== 0) throw new UsageError('population takes no FILE');
      if (values.format !== 'jsonl' && values.format !== 'csv') {
        throw new UsageError('--format is jsonl or csv');
      }
      return populationCommand({
        url: requiredValue(values, 'url'),
        apiKey: apiKeyOf(values),
        ...logKeyOf(values),
        ...optionalValue(values, 'log'),
        from: requiredValue(values, 'from'),
        to: requiredValue(values, 'to'),
        filter: filterOf(values),
        format: values.format,
        ...optionalValue(values, 'out'),
        ...(typeof values.proof === 'string' ? { proofOut: values.proof } : {}),
      });
    }
    case 'sample': {
      const { sampleCommand } = await import('./commands/sample.js');
      const { values, positionals } = parseLoose(args, {
        population: { type: 'string' },
        size: { type: 'string' },
        percent: { type: 'string' },
        min: { type: 'string' },
        max: { type: 'string' },
        seed: { type: 'string' },
        'log-key': { type: 'string' },
        ...FILTER_OPTIONS,
        out: { type: 'string' },
      });
      if (positionals.length !== 0) throw new UsageError('sample takes --population FILE');
      if ((values.size === undefined) === (values.percent === undefined)) {
        throw new UsageError('give either --size N or --percent P');
      }
      return sampleCommand({
        population: requiredValue(values, 'population'),
        ...(values.size !== undefined
          ? { size: integer(values.size, 'size', 0, Number.MAX_SAFE_INTEGER) }
          : {}),
        ...optionalValue(values, 'percent'),
        ...(values.min !== undefined
          ? { min: integer(values.min, 'min', 0, Number.MAX_SAFE_INTEGER) }
          : {}),
        ...(values.max !== undefined
          ? { max: integer(values.max, 'max', 0, Number.MAX_SAFE_INTEGER) }
          : {}),
        ...optionalValue(values, 'seed'),
        filter: filterOf(values),
        ...logKeyOf(values),
        ...optionalValue(values, 'out'),
      });
    }
    case 'evidence': {
      const { evidenceCommand } = await import('./commands/evidence.js');
      const { values, positionals } = parseLoose(args, {
        ...PERIOD_OPTIONS,
        sample: { type: 'string' },
        percent: { type: 'string' },
        min: { type: 'string' },
        max: { type: 'string' },
        all: { type: 'boolean' },
        seed: { type: 'string' },
        out: { type: 'string' },
      });
      if (positionals.length !== 0) throw new UsageError('evidence takes --out FILE.zip');
      const modes = [values.sample, values.percent, values.all].filter((v) => v !== undefined);
      if (modes.length !== 1) throw new UsageError('give one of --sample N, --percent P or --all');
      return evidenceCommand({
        url: requiredValue(values, 'url'),
        apiKey: apiKeyOf(values),
        logKey: requiredValue(values, 'log-key'),
        ...optionalValue(values, 'log'),
        from: requiredValue(values, 'from'),
        to: requiredValue(values, 'to'),
        filter: filterOf(values),
        sample:
          values.all === true
            ? { mode: 'all' }
            : values.sample !== undefined
              ? { mode: 'size', size: integer(values.sample, 'sample', 0, Number.MAX_SAFE_INTEGER) }
              : {
                  mode: 'percent',
                  percent: values.percent as string,
                  ...(values.min !== undefined
                    ? { min: integer(values.min, 'min', 0, Number.MAX_SAFE_INTEGER) }
                    : {}),
                  ...(values.max !== undefined
                    ? { max: integer(values.max, 'max', 0, Number.MAX_SAFE_INTEGER) }
                    : {}),
                },
        ...optionalValue(values, 'seed'),
        out: requiredValue(values, 'out'),
      });
    }
    case 'verify-evidence': {
      const { verifyEvidenceCommand } = await import('./commands/evidence.js');
      const { values, positionals } = parseLoose(args, {
        'log-key': { type: 'string' },
        'witness-key': { type: 'string', multiple: true },
        'witness-quorum': { type: 'string' },
        'tsa-root': { type: 'string', multiple: true },
        'require-timestamp': { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (positionals.length !== 1) throw new UsageError('verify-evidence takes one FILE.zip');
      const witnessKeys = (values['witness-key'] as string[] | undefined) ?? [];
      const tsaRoots = (values['tsa-root'] as string[] | undefined) ?? [];
      if (values['require-timestamp'] === true && tsaRoots.length === 0)
        throw new UsageError('--require-timestamp needs --tsa-root');
      return verifyEvidenceCommand({
        file: positionals[0]!,
        ...logKeyOf(values),
        witnessKeys,
        ...(values['witness-quorum'] === undefined
          ? {}
          : {
              witnessQuorum: integer(
                values['witness-quorum'],
                'witness-quorum',
                1,
                witnessKeys.length || 1,
              ),
            }),
        tsaRoots,
        requireTimestamp: values['require-timestamp'] === true,
        json: values.json === true,
      });
    }
    case 'reveal': {
      const { revealCommand } = await import('./commands/reveal.js');
      const { values, positionals } = parseLoose(args, {
        'log-key': { type: 'string' },
        label: { type: 'string' },
        value: { type: 'string' },
        salt: { type: 'string' },
        salts: { type: 'string' },
      });
      if (positionals.length !== 1) throw new UsageError('reveal takes one BUNDLE file');
      const byValue = values.value !== undefined || values.salt !== undefined;
      if (byValue === (values.salts !== undefined) || (byValue && !(values.value && values.salt)))
        throw new UsageError('reveal takes --value V --salt S, or --salts FILE.salts.json');
      return revealCommand({
        bundle: positionals[0]!,
        logKey: requiredValue(values, 'log-key'),
        label: requiredValue(values, 'label'),
        ...(byValue
          ? { value: values.value as string, salt: values.salt as string }
          : { saltsFile: values.salts as string }),
      });
    }
    case 'reset-guard': {
      const { resetGuard } = await import('./commands/reset-guard.js');
      const v = parse(args, {});
      await resetGuard({ target: v.target, log: v.log });
      return 0;
    }
    case 'log-key': {
      const { logKey } = await import('./commands/logs.js');
      const v = parse(args, {});
      await logKey({ target: v.target, log: v.log });
      return 0;
    }
    case 'create-log': {
      const { createLog } = await import('./commands/logs.js');
      const v = parse(args, {
        origin: { type: 'string' },
        tenant: { type: 'string', default: 'default' },
      });
      await createLog({
        target: v.target,
        log: v.log,
        origin: text(v.origin),
        tenant: text(v.tenant)!,
      });
      return 0;
    }
    case 'api-key': {
      const { apiKeyCreate, apiKeyList, apiKeyRevoke } = await import('./commands/access.js');
      const [action, ...rest] = args;
      if (action === 'create') {
        const v = parse(rest, {
          tenant: { type: 'string' },
          scope: { type: 'string', multiple: true },
          description: { type: 'string', default: '' },
          'rate-limit': { type: 'string', default: '0' },
        });
        const tenant = required(v, 'tenant');
        await apiKeyCreate({
          target: v.target,
          tenant,
          scopes: (v.scope as unknown as string[] | undefined) ?? [],
          description: text(v.description) ?? '',
          rateLimit: integer(v['rate-limit'], 'rate-limit', 0, 10_000_000),
        });
      } else if (action === 'list') {
        const v = parse(rest, { tenant: { type: 'string' } });
        await apiKeyList({ target: v.target, tenant: text(v.tenant) });
      } else if (action === 'revoke') {
        const v = parse(rest, { id: { type: 'string' } });
        await apiKeyRevoke({ target: v.target, id: required(v, 'id') });
      } else {
        throw new UsageError('api-key takes create, list or revoke');
      }
      return 0;
    }
    case 'issuer-key': {
      const { issuerKey } = await import('./commands/access.js');
      const [action, ...rest] = args;
      if (action !== 'add' && action !== 'list' && action !== 'revoke') {
        throw new UsageError('issuer-key takes add, list or revoke');
      }
      const v = parse(rest, { tenant: { type: 'string' }, key: { type: 'string' } });
      await issuerKey({
        target: v.target,
        action,
        tenant: required(v, 'tenant'),
        key: text(v.key),
      });
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`proofline: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`proofline: ${(err as Error).message ?? err}\n`);
      process.exitCode = 1;
    }
  },
);
