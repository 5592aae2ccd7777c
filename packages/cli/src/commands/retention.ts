import { formatTime } from '@proofline/records';
import { openDeployment, type Target } from '../deployment.js';
import { EXIT } from '../exit-codes.js';
import {
  checkBulkErasureAnswer,
  readErasureJson,
  type BulkErasureAnswer,
} from './erasure-answers.js';
import { parseLogPolicy } from './log-policy.js';
import { parseRetention, retentionCutoff, type RetentionPeriod } from './retention-period.js';

export interface RetentionOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly log: string;
  /** The deployment whose log policy holds the period (unless `olderThan`). */
  readonly target?: Target;
  /** The period, instead of the log policy's. */
  readonly olderThan?: string;
  readonly apply: boolean;
  readonly dryRun: boolean;
  /** The clock (tests). */
  readonly nowMs?: number;
}

/**
 * `proofline retention`: the records of a private log older than its retention period (the
 * log policy's, or --older-than) are due for erasure. Without --apply (or with --dry-run) it
 * lists them; with --apply it has the server erase them, 1000 per request, each with its own
 * erasure record (reason `retention <period>: recorded before <cutoff>`), until none is left.
 * Exit 0 when done (or nothing due), 1 when the server refuses.
 */
export async function retentionCommand(o: RetentionOptions): Promise<number> {
  const period = o.olderThan === undefined ? await periodOf(o) : parseRetention(o.olderThan);
  if (period === undefined) {
    process.stderr.write(
      `proofline: log ${o.log} has no retention period: its records are kept for ever; set one with \`proofline log-policy --log ${o.log} --retention 6y\`\n`,
    );
    return EXIT.failed;
  }
  const cutoff = formatTime(retentionCutoff(period, o.nowMs ?? Date.now()));
  const dryRun = !o.apply || o.dryRun;
  const base = o.url.replace(/\/+$/, '');
  let total = 0;
  for (;;) {
    const res = await fetch(`${base}/v1/logs/${encodeURIComponent(o.log)}/erasures`, {
      method: 'POST',
      headers: { authorization: `Bearer ${o.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        before: cutoff,
        reason: `retention ${period.text}: recorded before ${cutoff}`,
        dryRun,
      }),
    });
    if (!res.ok) {
      const text = await readErasureJson(res).then(
        (v) => JSON.stringify(v).slice(0, 400),
        (err: unknown) => (err as Error).message,
      );
      process.stderr.write(`proofline: retention refused: HTTP ${res.status} ${text}\n`);
      return EXIT.failed;
    }
    let answer: BulkErasureAnswer;
    try {
      answer = checkBulkErasureAnswer(await readErasureJson(res));
    } catch (err) {
      process.stderr.write(
        `proofline: retention stopped after ${total} record(s): ${(err as Error).message}\n`,
      );
      return EXIT.failed;
    }
    for (const id of answer.ids) process.stdout.write(`${dryRun ? 'DUE' : 'ERASED'}\t${id}\n`);
    total += answer.ids.length;
    if (dryRun || !answer.more || answer.ids.length === 0) {
      process.stderr.write(
        dryRun
          ? `${total}${answer.more ? '+' : ''} record(s) of ${o.log} recorded before ${cutoff} (retention ${period.text}) are due; nothing was erased (give --apply)\n`
          : `${total} record(s) of ${o.log} recorded before ${cutoff} (retention ${period.text}) erased, each with its erasure record\n`,
      );
      return EXIT.ok;
    }
  }
}

/** The retention period of the log's policy, undefined when it has none. */
async function periodOf(o: RetentionOptions): Promise<RetentionPeriod | undefined> {
  const deployment = await openDeployment(o.target!, { existing: true });
  try {
    const stored = await deployment.storage.getLogPolicy(o.log);
    const retention = stored === undefined ? undefined : parseLogPolicy(stored).retention;
    return retention === undefined ? undefined : parseRetention(retention);
  } finally {
    await deployment.close();
  }
}
