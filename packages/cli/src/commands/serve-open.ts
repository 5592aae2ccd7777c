/**
 * `serve`'s start-up checks, before anything listens: the storage opens (or a clear error,
 * having created nothing), and a first start that would name the default log after this
 * machine's host name on a public address is refused.
 */
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../cli/command.js';
import {
  DATABASE_FILE,
  DEFAULT_LOG,
  DeploymentError,
  openDeployment,
  type Deployment,
  type Target,
} from '../deployment.js';
import { keyFromEnvironment } from '../keys.js';

/** Whether `host` is a loopback address (or name): only this machine can reach it. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h)
  );
}

/** The error of a storage that does not open, saying what to check; the cause is kept. */
function storageError(target: Target, err: unknown): Error {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  let text: string;
  if (target.data !== undefined) {
    const db = join(target.data, DATABASE_FILE);
    text =
      e.code === 'SQLITE_NOTADB'
        ? `${db} is not a SQLite database (${message}): is --data the Proofline data folder?`
        : `cannot open the SQLite database ${db}: ${message}`;
  } else {
    const connect = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN'];
    text = connect.includes(e.code ?? '')
      ? `cannot connect to PostgreSQL (${message}): check --db (or PROOFLINE_DB) and that the server is up`
      : `PostgreSQL refused to open the deployment: ${message}`;
  }
  return new Error(`${text}; nothing was changed`, { cause: err });
}

/**
 * Refuses (UsageError) a first start, which creates the default log and fixes its origin for
 * good, without --origin-base on a non-loopback --host: the origin would be the host name of
 * this machine, rarely what clients use. On loopback the host name stays the default. Looks
 * without creating anything (no folder, database file or PostgreSQL schema).
 */
async function checkOriginBase(o: {
  target: Target;
  host: string;
  originBase?: string;
}): Promise<void> {
  if (o.originBase !== undefined || isLoopback(o.host) || keyFromEnvironment(DEFAULT_LOG)) return;
  let firstStart: boolean;
  try {
    const probe = await openDeployment(o.target, { existing: true });
    try {
      firstStart = (await probe.storage.getLog(DEFAULT_LOG)) === undefined;
    } finally {
      await probe.close();
    }
  } catch (err) {
    if (!(err instanceof DeploymentError && err.code === 'NO_DATA'))
      throw storageError(o.target, err);
    firstStart = true;
  }
  if (!firstStart) return;
  throw new UsageError(
    `--origin-base HOST is required on the first start with --host ${o.host}: it creates the log ` +
      `${DEFAULT_LOG}, whose origin <HOST>/logs/${DEFAULT_LOG} never changes, and would otherwise ` +
      `be named after this machine (${hostname()}/logs/${DEFAULT_LOG}). Pass the public host name ` +
      `clients use, e.g. --origin-base ledger.example.com; nothing was created`,
  );
}

/**
 * Opens `serve`'s deployment, creating the SQLite folder and database on a first start.
 * Throws, having created nothing, when --data is not a folder, the database does not open,
 * or a first start on a public address lacks --origin-base.
 */
export async function openForServe(o: {
  target: Target;
  host: string;
  originBase?: string;
}): Promise<Deployment> {
  const { data } = o.target;
  if (data !== undefined) {
    const stat = statSync(data, { throwIfNoEntry: false });
    if (stat && !stat.isDirectory()) {
      throw new Error(
        `--data ${data} is a file, not a folder: give the data folder (proofline.db and keys/ inside); nothing was changed`,
      );
    }
  }
  await checkOriginBase(o);
  try {
    return await openDeployment(o.target);
  } catch (err) {
    if (err instanceof DeploymentError) throw err;
    throw storageError(o.target, err);
  }
}
