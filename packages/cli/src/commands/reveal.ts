import { readFileSync, statSync } from 'node:fs';
import { base64Decode } from '@proofline/note';
import { commitment, MAX_BUNDLE_SIZE, MAX_TLOG_PROOF_SIZE } from '@proofline/records';
import { verifyBundle, verifyTlogProof } from '@proofline/verify';
import type { Io } from './population.js';

export interface RevealCommandOptions {
  /** A proof bundle (.json) or tlog-proof of the record. */
  readonly bundle: string;
  readonly logKey: string;
  /** The private label's name (a member of the record's `commitments`). */
  readonly label: string;
  /** The revealed value and its salt (standard base64 of 32 bytes), or ... */
  readonly value?: string;
  readonly salt?: string;
  /** ... the salts file `proofline attest` wrote: {"values": {...}, "salts": {...}}. */
  readonly saltsFile?: string;
}

const DEFAULT_IO: Io = { stdout: process.stdout, stderr: process.stderr };
/** Bound on a salts file: 32 labels of at most a few KiB each. */
const MAX_SALTS_FILE = 1024 * 1024;

/**
 * `proofline reveal`: verifies the bundle against the log key (the record is the logged one),
 * then checks that `value` with `salt` opens the record's commitment for `label`, with
 * @proofline/records' `commitment` (the one statement of the format). Prints MATCH (exit 0)
 * or why not (exit 1). The value is taken as given: only its exact UTF-8 bytes match.
 */
export async function revealCommand(o: RevealCommandOptions, io: Io = DEFAULT_IO): Promise<number> {
  const failWith = (message: string) => {
    io.stdout.write(`NO MATCH: ${message}\n`);
    return 1;
  };
  const size = statSync(o.bundle).size;
  if (size > Math.max(MAX_BUNDLE_SIZE, MAX_TLOG_PROOF_SIZE)) {
    return failWith(`${o.bundle} is ${size} bytes, larger than any bundle`);
  }
  const text = readFileSync(o.bundle, 'utf8');
  const policy = { logKey: o.logKey };
  const v = text.startsWith('c2sp.org/tlog-proof@v1\n')
    ? await verifyTlogProof(text, policy)
    : await verifyBundle(text.endsWith('\n') ? text.slice(0, -1) : text, policy);
  if (!v.ok || !v.record) {
    const why = v.checks
      .filter((c) => c.status === 'failed')
      .map((c) => `${c.name}: ${c.summary}`)
      .join('; ');
    return failWith(`the bundle does not verify with the log key (${why})`);
  }
  const id = `record ${v.index} of ${v.checkpoint?.origin ?? '?'}`;
  const committed = v.record.commitments?.[o.label];
  if (committed === undefined) {
    const names = Object.keys(v.record.commitments ?? {});
    return failWith(
      `${id} has no private label ${JSON.stringify(o.label)} (its private labels: ${names.join(', ') || 'none'})`,
    );
  }
  const revealed = o.saltsFile ? fromSaltsFile(o.saltsFile, o.label) : o;
  if (typeof revealed.value !== 'string' || typeof revealed.salt !== 'string') {
    return failWith(`no value and salt for ${JSON.stringify(o.label)}`);
  }
  let salt: Uint8Array;
  let opened: string;
  try {
    salt = base64Decode(revealed.salt);
    opened = commitment(salt, revealed.value);
  } catch (err) {
    return failWith(`the salt must be the standard base64 of 32 bytes: ${(err as Error).message}`);
  }
  if (opened !== committed) {
    return failWith(
      `the value and salt give ${opened}, but ${id} commits ${o.label} to ${committed}: this is not the value that was attested (or not its salt)`,
    );
  }
  io.stdout.write(
    `MATCH: ${id} (verified with the log key) commits private label ${o.label} to ${committed}, which ${JSON.stringify(revealed.value)} with this salt opens\n`,
  );
  return 0;
}

/** The value and salt of `label` in a salts file written by `proofline attest`. */
function fromSaltsFile(path: string, label: string): { value?: unknown; salt?: unknown } {
  if (statSync(path).size > MAX_SALTS_FILE)
    throw new Error(`${path} is too large for a salts file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const member = (obj: unknown, key: string): unknown =>
    typeof obj === 'object' && obj !== null && !Array.isArray(obj) && Object.hasOwn(obj, key)
      ? (obj as Record<string, unknown>)[key]
      : undefined;
  return {
    value: member(member(parsed, 'values'), label),
    salt: member(member(parsed, 'salts'), label),
  };
}
