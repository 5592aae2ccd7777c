/**
 * `proofline witness` (a c2sp.org/tlog-witness service), `proofline witness-key`, and the
 * `--witness*` options of `proofline serve` (the log side).
 *
 * This module also runs on its own (`node dist/src/commands/witness.js witness ...`), which
 * the tests use; the commands' flags are declared in ../table/witness.ts.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CheckpointWitnesses, WitnessingReport } from '@proofline/sequencer';
import type { LogConfig } from '@proofline/storage';
import { SIG_TYPE_COSIGNATURE, parseVerifierKey } from '@proofline/note';
import {
  WitnessClient,
  loadOrCreateWitnessKey,
  parsePolicy,
  readWitnessConfig,
  runWitness,
  thresholdPolicy,
  witnessVerifierKey,
  type QuorumRule,
  type WitnessEndpoint,
  type WitnessPolicy,
} from '@proofline/witness';
import { onShutdown } from '../signals.js';

/** The witnessing configuration of `proofline serve`. */
export interface WitnessingConfig {
  readonly policy: WitnessPolicy;
  readonly timeoutMs: number;
}

class WitnessUsageError extends Error {}

function integer(value: unknown, name: string, min: number, max: number): number {
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < min || n > max) {
    throw new WitnessUsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/**
 * Splits "URL=VKEY". Both a URL and a key name may contain '=', so the split is the first
 * '=' after which a cosigner verifier key (type 0x04) parses.
 */
export function parseWitnessFlag(value: string): WitnessEndpoint {
  for (let i = value.indexOf('='); i > 0; i = value.indexOf('=', i + 1)) {
    const verifierKey = value.slice(i + 1);
    try {
      parseVerifierKey(verifierKey, SIG_TYPE_COSIGNATURE);
    } catch {
      continue;
    }
    return { url: value.slice(0, i), verifierKey };
  }
  throw new WitnessUsageError(
    `--witness takes URL=VKEY with a witness verifier key (type 0x04), got ${JSON.stringify(value)}`,
  );
}

/** Serve's --witness-timeout (default 5000 ms), for its flags' and each log's own witnesses. */
export function witnessTimeoutFromArgs(values: Record<string, unknown>): number {
  return values['witness-timeout'] === undefined
    ? 5000
    : integer(values['witness-timeout'], 'witness-timeout', 100, 600_000);
}

/**
 * The witnessing configuration from serve's parsed options (the --witness* flags of ../table/serve.ts), or
 * undefined when no witness is configured. Throws on invalid combinations.
 */
export function witnessingFromArgs(values: Record<string, unknown>): WitnessingConfig | undefined {
  const flags = (values.witness as string[] | undefined) ?? [];
  const quorum = values['witness-quorum'];
  const policyFile = values['witness-policy'];
  const timeoutMs = witnessTimeoutFromArgs(values);
  if (typeof policyFile === 'string') {
    if (flags.length > 0 || quorum !== undefined) {
      throw new WitnessUsageError(
        'give either --witness-policy or --witness (and --witness-quorum)',
      );
    }
    return { policy: parsePolicy(readFileSync(policyFile)), timeoutMs };
  }
  if (flags.length === 0) {
    if (quorum !== undefined) throw new WitnessUsageError('--witness-quorum needs --witness');
    return undefined;
  }
  const endpoints = flags.map(parseWitnessFlag);
  const k =
    quorum === undefined
      ? endpoints.length
      : integer(quorum, 'witness-quorum', 1, endpoints.length);
  return { policy: thresholdPolicy(endpoints, k), timeoutMs };
}

/** Whether `policy` applies to `log`: it lists no logs, or lists this log's key. */
function policyCovers(policy: WitnessPolicy, log: LogConfig): boolean {
  if (policy.logs.length === 0) return true;
  const key = parseVerifierKey(log.verifierKey).publicKey;
  return policy.logs.some((l) => Buffer.from(l.verifier.publicKey).equals(key));
}

/** The witness names a quorum rule mentions, with repetitions. */
function ruleWitnesses(rule: QuorumRule): string[] {
  return rule.kind === 'witness' ? [rule.name] : rule.members.flatMap(ruleWitnesses);
}

/** The least number of witnesses that satisfy `rule` when no witness occurs twice in it. */
function leastWitnesses(rule: QuorumRule): number {
  if (rule.kind === 'witness') return 1;
  const needs = rule.members.map(leastWitnesses).sort((a, b) => a - b);
  return needs.slice(0, rule.threshold).reduce((sum, n) => sum + n, 0);
}

/**
 * The witness policy `log` is published under, as verifiers take it (TrustPolicy.witnesses,
 * and `witnesses` in GET /logs/<name>/): the verifier keys of the witnesses its quorum rule
 * names, and a quorum K such that every checkpoint the log publishes has at least K valid
 * cosignatures by them. For --witness/--witness-quorum that is exactly the k of n. For a
 * tlog-policy file: a single witness gives 1; a group of witnesses its threshold; nested
 * groups the least number of distinct witnesses that can satisfy them (at least the top-level
 * threshold), or 1 when a witness appears in two groups. A nested policy is thus published as
 * a weaker k of n: a verifier that needs the exact rule must get the policy file. Undefined
 * without witnessing, with `quorum none`, or when the policy does not cover this log.
 */
export function publishedWitnesses(
  witnessing: WitnessingConfig | undefined,
  log: LogConfig,
): { keys: string[]; quorum: number } | undefined {
  if (witnessing === undefined) return undefined;
  const { policy } = witnessing;
  if (policy.quorum === undefined || !policyCovers(policy, log)) return undefined;
  const named = ruleWitnesses(policy.quorum);
  const distinct = [...new Set(named)];
  const byName = new Map(policy.witnesses.map((w) => [w.name, w.verifier.verifierKey]));
  const keys = distinct.map((name) => byName.get(name)).filter((k) => k !== undefined);
  if (keys.length === 0) return undefined;
  const least = distinct.length === named.length ? leastWitnesses(policy.quorum) : 1;
  return { keys, quorum: Math.min(Math.max(least, 1), keys.length) };
}

/**
 * The Publisher options that make `log`'s checkpoints witnessed: `{ witnesses,
 * onWitnessing, leaseTtlMs }`, or `{}` without witnessing, or when the policy lists logs and
 * not this one. The lease is made to outlast a witnessing round (at least twice the witness
 * timeout, and never shorter than the publisher's default for `intervalMs`), so that another
 * node does not take over while this one waits for the witnesses. Quorum failures are logged
 * on stderr (at most every 30 s while they last), and to `logger` (serve's JSON log) if given.
 */
export function publisherWitnessOptions(
  witnessing: WitnessingConfig | undefined,
  log: LogConfig,
  intervalMs = 500,
  logger?: { warn(fields: object, message: string): void },
): {
  witnesses?: CheckpointWitnesses;
  onWitnessing?: (report: WitnessingReport) => void;
  leaseTtlMs?: number;
} {
  if (witnessing === undefined) return {};
  const say = (fields: object, message: string) => {
    console.error(`log ${log.name}: ${message}`);
    logger?.warn({ log: log.name, ...fields }, message);
  };
  const { policy } = witnessing;
  if (!policyCovers(policy, log)) {
    say({}, 'not in the witness policy, published without witnesses');
    return {};
  }
  const client = new WitnessClient({ policy, timeoutMs: witnessing.timeoutMs });
  let failingSince: number | undefined;
  let lastLogged = 0;
  return {
    witnesses: client,
    leaseTtlMs: Math.max(1000, 5 * intervalMs, 2 * witnessing.timeoutMs),
    onWitnessing: (report) => {
      const now = Date.now();
      if (report.satisfied) {
        if (failingSince !== undefined) {
          say(
            { size: report.size, cosigned: report.cosigned },
            `checkpoint ${report.size} witnessed by ${report.cosigned.join(', ')}; publishing again`,
          );
        }
        failingSince = undefined;
        return;
      }
      failingSince ??= now;
      if (now - lastLogged < 30_000) return;
      lastLogged = now;
      say(
        { size: report.size, cosigned: report.cosigned, failures: report.failures },
        `checkpoint ${report.size} not published: witness quorum not met ` +
          `(cosigned by ${report.cosigned.join(', ') || 'none'}; ${report.failures.join('; ')}); ` +
          `the previous checkpoint stays the latest, retrying every round`,
      );
    },
  };
}

/** `proofline witness`: runs the witness until SIGTERM/SIGINT; -1 (it keeps running). */
export async function witnessCommand(o: {
  data: string;
  config: string;
  port: number;
  host: string;
  prefix: string;
}): Promise<number> {
  const config = readWitnessConfig(o.config);
  const running = await runWitness({
    dataDir: o.data,
    config,
    port: o.port,
    host: o.host,
    prefix: o.prefix,
    onEvent: (event) => {
      if (event.evidence) {
        console.error(
          `MISBEHAVIOUR ${event.evidence} by log ${event.origin} at size ${event.size}: ${event.message} (evidence kept in ${o.data}/witness.db)`,
        );
      } else if (event.status !== 200 && event.status !== 409) {
        console.error(`add-checkpoint ${event.status} (${event.origin ?? '?'}): ${event.message}`);
      }
    },
  });
  console.log(
    `proofline witness ${config.name} listening on ${running.address} (${config.logs.length} logs, data in ${o.data})`,
  );
  console.log(`verifier key ${running.verifierKey}`);
  onShutdown(() => running.close());
  return -1; // keeps running until a signal
}

/** `proofline witness-key`: prints the witness verifier key (creating it when `config` is given). */
export function witnessKeyCommand(o: { data: string; config?: string }): number {
  const name = o.config ? readWitnessConfig(o.config).name : undefined;
  process.stdout.write(`${witnessVerifierKey(loadOrCreateWitnessKey(o.data, name))}\n`);
  return 0;
}

function isMain(): boolean {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
}

if (isMain()) {
  // The witness commands of the table, without the rest of the CLI. Not awaited at the top
  // level: the commands import this module, which must have finished evaluating by then.
  void Promise.all([import('../cli/run.js'), import('../table/witness.js')])
    .then(([{ runCli }, { witness, witnessKey }]) =>
      runCli(process.argv.slice(2), [witness, witnessKey]),
    )
    .then((code) => {
      if (code >= 0) process.exitCode = code;
    });
}
