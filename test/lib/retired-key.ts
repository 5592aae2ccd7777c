/**
 * A log that retired a key, made with the real CLI (docs/keys.md): records 0–9 and 10–19
 * sealed by the first key (a checkpoint of size 10 is published between them, before `from`),
 * rotate-key, 20–24 sealed by the old key with checkpoints signed by both, retire-key (the
 * handover covers [0, 25)), 25–29 sealed by the new key alone, then 30–31 after `to`, which
 * close the period. The period [`from`, `to`) holds entries 10–29: its start checkpoint
 * (size 10) carries only the old key's signature, its end and latest checkpoints only the
 * new key's.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runProofline, tempDir } from './proofline.js';

export const RETIRED_KEY_ORIGIN = 'ledger.example/logs/default';

export interface RetiredKeyLog {
  readonly dir: string;
  /** An API key of the default tenant with the audit:read scope. */
  readonly apiKey: string;
  readonly oldKey: string;
  readonly newKey: string;
  /** Between entries 9 and 10, after the checkpoint of size 10 was published. */
  readonly from: string;
  /** Between entries 29 and 30. */
  readonly to: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A whole second at least one second after now, then at least one second later. */
async function mark(): Promise<string> {
  await sleep(1100);
  const at = new Date(Math.ceil(Date.now() / 1000) * 1000).toISOString();
  await sleep(1100);
  return at;
}

/** Record lines `from` .. `to` − 1 of `proofline append` (distinct digests per `tag`). */
export function recordLines(tag: string, from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const digest = createHash('sha256').update(`${tag} ${i}`).digest('hex');
    out += `{"type":"test.event","digest":"sha256:${digest}"}\n`;
  }
  return out;
}

/** Builds the log described above in a fresh directory (the caller removes `dir`). */
export async function retiredKeyLog(prefix: string, tag: string): Promise<RetiredKeyLog> {
  const dir = tempDir(prefix);
  const append = (from: number, to: number) => {
    const r = runProofline(['append', '--data', dir], recordLines(tag, from, to));
    assert.equal(r.status, 0, r.stderr);
  };
  const created = runProofline(['create-log', '--data', dir, '--origin', RETIRED_KEY_ORIGIN]);
  assert.equal(created.status, 0, created.stderr);
  const apiKey = runProofline([
    ...['api-key', 'create', '--data', dir, '--tenant', 'default'],
    ...['--scope', 'audit:read'],
  ]).stdout.trim();
  append(0, 10);
  const from = await mark();
  append(10, 20);
  const oldKey = runProofline(['log-key', '--data', dir]).stdout.trim();
  const rotated = runProofline(['rotate-key', '--data', dir]);
  assert.equal(rotated.status, 0, rotated.stderr);
  const newKey = rotated.stdout.trim();
  append(20, 25); // sealed by the old key, checkpoint signed by both
  const retired = runProofline(['retire-key', '--data', dir]);
  assert.equal(retired.status, 0, retired.stderr);
  assert.match(retired.stderr, /it sealed entries \[0, 25\)/);
  append(25, 30); // sealed by the new key alone
  const to = await mark();
  append(30, 32);
  return { dir, apiKey, oldKey, newKey, from, to };
}
