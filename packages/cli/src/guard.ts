import { GuardError, type TreeHead } from '@proofline/sequencer';
import type { Storage } from '@proofline/storage';
import type { LogHandle, Target } from './deployment.js';

/** The arguments that name `target` in a suggested command (the database URL elided). */
export function targetArgs(target: Target): string {
  const state = target.state ? ` --state-dir ${target.state}` : '';
  if (target.data !== undefined) return `--data ${target.data}${state}`;
  const schema = target.schema ? ` --db-schema ${target.schema}` : '';
  return `--db <URL> --keys ${target.keys}${schema}${state}`;
}

const show = (h: TreeHead | undefined) => (h ? `size ${h.size}, root ${h.root}` : 'none');

/**
 * One message for the operator: what the guard refused, what this node signed, what the
 * database holds, and what to do (restore the newest backup, or reset the guard on purpose).
 */
export function explainGuardError(err: GuardError, target: Target): string {
  const d = err.details;
  const reset = `proofline reset-guard ${targetArgs(target)} --log ${d.log}`;
  const lines = [`${err.message}.`];
  if (d.signed) lines.push(`  last checkpoint signed by this node (${d.path}): ${show(d.signed)}`);
  if (d.database) {
    lines.push(
      `  the database: ${d.database.sequenced} entries sequenced, ${d.database.integrated} ` +
        `integrated, latest checkpoint: ${show(d.database.checkpoint)}`,
    );
  }
  switch (err.code) {
    case 'ROLLBACK':
    case 'FORK':
    case 'BAD_CHECKPOINT':
      lines.push(
        'The database was restored from an older copy, rolled back or altered: this node will ' +
          'not sign a checkpoint for it. Restore the newest backup of the database and start ' +
          'again. Only if you really mean to go on from this database (clients, monitors and ' +
          'witnesses that saw the later checkpoints will then see a fork or rollback), stop ' +
          `every process of this log and run: ${reset}`,
      );
      break;
    case 'STATE_MISSING':
      lines.push(
        `The log exists in the database but this node has no checkpoint guard for it. ` +
          `Restore ${d.path} from this node's backup; for a node that never had one (set up ` +
          `before guards existed), run ${reset} to start it from the database's latest checkpoint.`,
      );
      break;
    case 'STATE_UNREADABLE':
    case 'STATE_CORRUPT':
      lines.push(
        `Fix or restore ${d.path} from this node's backup; or, to start the guard again from ` +
          `the database's latest checkpoint, run ${reset}`,
      );
      break;
  }
  return lines.join('\n');
}

/**
 * The start-up check of every command that starts a publisher: throws an Error with
 * explainGuardError's message if the database is behind or beside what this node signed.
 */
export async function checkGuard(storage: Storage, handle: LogHandle, target: Target) {
  try {
    await handle.guard.reconcile(storage);
  } catch (err) {
    if (!(err instanceof GuardError)) throw err;
    throw new Error(`refusing to start: ${explainGuardError(err, target)}`, { cause: err });
  }
}
