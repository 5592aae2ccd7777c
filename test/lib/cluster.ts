/**
 * Helpers for tests that run several `proofline serve` nodes on one PostgreSQL schema: node
 * processes (started, killed, paused and restarted by the test) and the database under them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PROOFLINE_BIN } from './proofline.js';

/** The test server (trust authentication), as the storage-postgres tests use it. */
export const TEST_PG = process.env.PROOFLINE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A throwaway schema name: `<prefix>_<random hex>`. */
export function randomSchema(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export interface ClusterTarget {
  readonly db: string;
  readonly keys: string;
  readonly schema: string;
}

/** The `--db … --keys … --db-schema …` arguments of every command run against `target`. */
export function targetArgs(target: ClusterTarget): string[] {
  return ['--db', target.db, '--keys', target.keys, '--db-schema', target.schema];
}

export interface ClusterNode {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Resolves with the exit code or signal when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Everything the process wrote so far (stdout and stderr, the last 256 KiB). */
  output(): string;
  /** Whether the process is still running (possibly stopped). */
  alive(): boolean;
}

/**
 * Starts `proofline serve` against `target` on `port` (0: any free port) and resolves once it
 * listens. Rejects (and kills the process) if it exits first or does not listen in 30 s.
 */
export async function startNode(
  name: string,
  target: ClusterTarget,
  port: number,
  extra: string[] = [],
): Promise<ClusterNode> {
  const child = spawn(
    process.execPath,
    [PROOFLINE_BIN, 'serve', ...targetArgs(target), '--port', String(port), ...extra],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 512 * 1024) output = output.slice(-256 * 1024);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} did not start:\n${output}`));
    }, 30_000);
    const onData = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        resolve(match[1]!);
      }
    };
    // serve says `proofline listening on URL` on stderr (stdout is its JSON log).
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    name,
    process: child,
    pid: child.pid!,
    port: Number(new URL(url).port),
    url,
    exited,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}

/** Kills a node for good: SIGCONT first, in case it is stopped, then SIGKILL. */
export async function killNode(node: ClusterNode): Promise<void> {
  if (node.alive()) {
    node.process.kill('SIGCONT');
    node.process.kill('SIGKILL');
  }
  await node.exited;
}

/** The process id in a publisher's lease owner, `<hostname>:<pid>:<uuid>`. */
export function leaseOwnerPid(owner: string | null): number | undefined {
  const match = owner === null ? null : /:(\d+):[0-9a-f-]{36}$/.exec(owner);
  return match ? Number(match[1]) : undefined;
}

export interface LogState {
  readonly leaseOwner: string | null;
  /** The lease holder's process id, if there is a holder. */
  readonly leasePid: number | undefined;
  /** Whether the lease has expired on the database's clock. */
  readonly leaseExpired: boolean;
  /** Milliseconds until the lease expires, on the database's clock (negative: expired). */
  readonly leaseRemainingMs: number;
  readonly sequencedSize: number;
  readonly integratedSize: number;
  /** Size of the latest published checkpoint (-1: none yet). */
  readonly checkpointSize: number;
}

/** Reads one log's row (sizes, lease) and its latest checkpoint size, straight from the database. */
export async function logState(db: pg.Pool, schema: string, log = 'default'): Promise<LogState> {
  const s = quoteIdent(schema);
  const { rows } = await db.query<{
    lease_owner: string | null;
    expired: boolean;
    remaining: string;
    sequenced_size: string;
    integrated_size: string;
    checkpoint_size: string | null;
  }>(
    `SELECT l.lease_owner, l.sequenced_size, l.integrated_size, c.size AS checkpoint_size,
       l.lease_expires < n.now AS expired, l.lease_expires - n.now AS remaining
     FROM (SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now) n,
       ${s}.logs l LEFT JOIN ${s}.checkpoints c ON c.id = l.checkpoint_id
     WHERE l.name = $1`,
    [log],
  );
  const row = rows[0];
  if (!row) throw new Error(`no log ${log} in schema ${schema}`);
  return {
    leaseOwner: row.lease_owner,
    leasePid: leaseOwnerPid(row.lease_owner),
    leaseExpired: row.expired,
    leaseRemainingMs: Number(row.remaining),
    sequencedSize: Number(row.sequenced_size),
    integratedSize: Number(row.integrated_size),
    checkpointSize: row.checkpoint_size === null ? -1 : Number(row.checkpoint_size),
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
