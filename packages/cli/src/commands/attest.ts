import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  LogTrustError,
  ProoflineClient,
  ProoflineError,
  UnverifiedWriteError,
  UntrustedResponseError,
  prepareStatement,
  type PreparedStatement,
  type VerifiedReceipt,
} from '@proofline/client';
import { digestFile, digestStream } from '@proofline/client/node';
import { ed25519Signer, parseSignerKey } from '@proofline/note';
import { OUTPUT_SALT_SIZE, formatSalt } from '@proofline/records';
import { didYouMean } from '../cli/suggest.js';
import { EXIT } from '../exit-codes.js';
import { saveBundle } from './proof.js';
import { receiptStem, saveReceipt } from './receipt-file.js';

export interface AttestOptions {
  /** Files to attest; `-` (at most once) is standard input. */
  readonly files: readonly string[];
  readonly url: string;
  readonly apiKey: string;
  readonly logKey: string;
  readonly log?: string;
  readonly type: string;
  readonly subject?: string;
  readonly labels: Record<string, string>;
  readonly privateLabels: Record<string, string>;
  readonly controls: readonly string[];
  /** Refuse controls that are not in the catalogue (else warn of them). */
  readonly strictControls: boolean;
  /** Issuer signer key file (PRIVATE+KEY+…). */
  readonly issuerKey?: string;
  /** Seconds to wait for the proof bundles; undefined: do not wait. */
  readonly waitSeconds?: number;
  readonly out?: string;
  /** Attest salted digests (fresh salt per file, kept in its receipt file in `out`). */
  readonly salted?: boolean;
}

/**
 * `proofline attest`: hashes each file locally (it is never uploaded), commits private
 * labels with fresh salts, checks the pinned log key against the log (nothing is written on
 * a mismatch), attests all files in one all-or-nothing batch, verifies every receipt with
 * the log key, and prints one line per file. With --out, writes each receipt, the salts of
 * private labels, and (with --wait) the bundle and .tlog-proof. Records that were written
 * but do not verify get their receipts and salts saved (in --out, else the current
 * directory) and are reported one by one. With `salted`, each file's digest is salted
 * (records `saltedDigest`) and its salt kept in its receipt file. Exit codes: see EXIT.
 */
export async function attest(o: AttestOptions): Promise<number> {
  const unknown = uncataloguedControls(o.controls);
  for (const message of unknown) {
    process.stderr.write(`proofline: ${o.strictControls ? '' : 'warning: '}${message}\n`);
  }
  if (o.strictControls && unknown.length > 0) {
    process.stderr.write('proofline: nothing was written (--strict-controls)\n');
    return EXIT.failed;
  }
  const client = new ProoflineClient({
    url: o.url,
    apiKey: o.apiKey,
    trust: { logKey: o.logKey },
    ...(o.log ? { log: o.log } : {}),
  });
  const issuer = o.issuerKey
    ? (() => {
        const key = parseSignerKey(readFileSync(o.issuerKey, 'utf8').trim());
        return ed25519Signer(key.name, key.seed);
      })()
    : undefined;
  const prepared = await Promise.all(
    o.files.map(async (file) => {
      const salt = o.salted
        ? globalThis.crypto.getRandomValues(new Uint8Array(OUTPUT_SALT_SIZE))
        : undefined;
      const p = await prepareStatement({
        digest:
          file === '-'
            ? await digestStream(process.stdin, 'sha256', salt)
            : await digestFile(file, 'sha256', salt),
        type: o.type,
        ...(o.subject ? { subject: o.subject } : {}),
        ...(Object.keys(o.labels).length ? { labels: o.labels } : {}),
        ...(Object.keys(o.privateLabels).length ? { privateLabels: o.privateLabels } : {}),
        ...(o.controls.length ? { controls: o.controls } : {}),
        ...(issuer ? { issuer } : {}),
      });
      return salt ? { ...p, outputSalt: formatSalt(salt) } : p;
    }),
  );
  let receipts: VerifiedReceipt[];
  try {
    receipts = await client.attestBatch(prepared.map((p) => p.statement));
  } catch (err) {
    if (err instanceof LogTrustError) {
      process.stderr.write(`proofline: nothing was written: ${err.message}\n`);
      return EXIT.failed;
    }
    if (err instanceof UnverifiedWriteError) return reportUnverifiedWrite(o, prepared, err);
    throw err;
  }
  const dir = o.out ?? '.';
  if (o.out) mkdirSync(o.out, { recursive: true });
  const saved = new Map<string, string>();
  for (const [i, receipt] of receipts.entries()) {
    process.stdout.write(
      `${o.files[i]}\t${receipt.id}\t${receipt.record.digest}\t${receipt.verificationUrl}\n`,
    );
    if (o.out) saved.set(receipt.id, keep(o, dir, prepared[i]!, receipt, i));
  }
  if (o.waitSeconds === undefined) return EXIT.ok;
  const deadline = Date.now() + o.waitSeconds * 1000;
  const pending: string[] = [];
  for (const [i, receipt] of receipts.entries()) {
    try {
      // A private log's record: its share link opens its proof even to a write-only key.
      const shareToken = /#t=(pls_[\w-]+)$/.exec(receipt.verificationUrl)?.[1];
      const { bundle, verification } = await client.waitForProof(receipt.id, {
        timeoutMs: Math.max(0, deadline - Date.now()),
        ...(shareToken === undefined ? {} : { shareToken }),
      });
      if (o.out) saveBundle(o.out, bundle);
      process.stderr.write(
        `${receipt.id}: proof bundle verified (checkpoint ${verification.checkpoint?.size})\n`,
      );
    } catch (err) {
      if (err instanceof ProoflineError && err.code === 'not-yet-checkpointed') {
        pending.push(receipt.id);
        continue;
      }
      if (!(err instanceof UntrustedResponseError)) throw err;
      const file = saved.get(receipt.id) ?? keep(o, dir, prepared[i]!, receipt, i);
      process.stderr.write(
        `proofline: record ${receipt.id} was written; its receipt is saved in ${file}; ` +
          `its proof bundle failed verification because ${err.message}\n`,
      );
      return EXIT.writtenUnverified;
    }
  }
  if (pending.length === 0) return EXIT.ok;
  for (const id of pending) {
    process.stderr.write(
      `${id}: logged, not yet provable: the receipt verified, but no checkpoint covered the ` +
        `record within ${o.waitSeconds} s; fetch the proof bundle later with ` +
        `\`proofline proof ${id} --url ${o.url} --log-key VKEY --wait\`\n`,
    );
  }
  return EXIT.notYetProvable;
}

/**
 * Saves a receipt (with the output salt of a salted digest) and the salts of its private
 * labels in `dir`; returns the receipt file.
 */
function keep(
  o: AttestOptions,
  dir: string,
  prepared: PreparedStatement | undefined,
  receipt: Parameters<typeof saveReceipt>[1],
  position: number,
  failedVerification?: string,
): string {
  const salts = prepared?.salts;
  const file = saveReceipt(dir, receipt, position, o.files[position] ?? '', {
    ...(failedVerification === undefined ? {} : { failedVerification }),
    ...(prepared?.outputSalt === undefined ? {} : { salt: prepared.outputSalt }),
  });
  if (salts && Object.keys(salts).length) {
    writeFileSync(
      join(dir, `${receiptStem(receipt.id, position)}.salts.json`),
      `${JSON.stringify({ values: o.privateLabels, salts }, null, 2)}\n`,
      { mode: 0o600 },
    );
  }
  return file;
}

/**
 * The log wrote the batch but its answer does not verify: every record is in the log, so
 * each receipt (and salts) is kept, each record is reported, and a retry is discouraged.
 */
function reportUnverifiedWrite(
  o: AttestOptions,
  prepared: readonly PreparedStatement[],
  err: UnverifiedWriteError,
): number {
  const dir = o.out ?? '.';
  mkdirSync(dir, { recursive: true });
  if (err.written.length === 0) {
    process.stderr.write(
      `proofline: the log accepted the write but returned no receipts (${err.message}); ` +
        `do not retry blindly: the records may be in the log\n`,
    );
  }
  for (const [i, receipt] of err.written.entries()) {
    const problem = err.problems[i];
    const file = keep(o, dir, prepared[i], receipt, i, problem);
    process.stderr.write(
      problem === undefined
        ? `proofline: record ${String(receipt.id)} was written and its receipt verified; it is saved in ${file}\n`
        : `proofline: record ${String(receipt.id)} was written; its receipt is saved in ${file}; ` +
            `it failed verification because ${problem}\n`,
    );
  }
  process.stderr.write(
    'proofline: the records above are in the log; retrying would write them again\n',
  );
  return EXIT.writtenUnverified;
}

/**
 * One message per control that is not in the evidence catalogue (@proofline/evidence's
 * data/controls.json, read without loading the evidence package): such a record is valid but
 * falls outside the population of the catalogue control that was probably meant.
 */
function uncataloguedControls(controls: readonly string[]): string[] {
  if (controls.length === 0) return [];
  const path = createRequire(import.meta.url).resolve('@proofline/evidence/data/controls.json');
  const ids = (
    JSON.parse(readFileSync(path, 'utf8')) as { controls: { id: string }[] }
  ).controls.map((c) => c.id);
  const known = new Set(ids);
  return controls
    .filter((c) => !known.has(c))
    .map(
      (c) =>
        `control ${c} is not in the catalogue${didYouMean(c, ids)} (records with it are not in the population of a catalogue control)`,
    );
}
