import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { VerifiedReceipt, WrittenReceipt } from '@proofline/client';
import { base64Decode, base64Encode } from '@proofline/note';
import {
  buildRecord,
  canonicalJson,
  parseRecord,
  parseRecordId,
  parseSalt,
  parseTime,
} from '@proofline/records';
import {
  contentDigest,
  verifyReceipt,
  type DigestAlgorithm,
  type TrustPolicy,
  type Verification,
} from '@proofline/verify';

/**
 * A receipt file, as `proofline attest` saves it (`<id>.receipt.json`): the records API's
 * receipt view (`id`, `log`, `index`, `time`, `entry` base64, `receipt`, `receiptProof` for a
 * batch receipt, `verificationUrl`), the record decoded from the entry for people to read,
 * the attested file's name, and, when it did not verify as it was saved, why
 * (`failedVerification`). The entry and the receipt are what is checked; the rest is a view.
 */
interface ReceiptFile {
  readonly id?: unknown;
  readonly index?: unknown;
  readonly entry?: unknown;
  readonly record?: unknown;
  readonly receipt?: unknown;
  readonly receiptProof?: unknown;
  readonly salt?: unknown;
}

/** Receipt files are small (an entry is at most 64 KiB); anything larger is not one. */
const MAX_RECEIPT_FILE = 1024 * 1024;

/**
 * A file name for a record id the server returned: the id itself when it is a valid record
 * id (`<log>-<index>`, so no path separators), else `unverified-<position>`.
 */
export function receiptStem(id: unknown, position: number): string {
  try {
    parseRecordId(id as string);
    return id as string;
  } catch {
    return `unverified-${position}`;
  }
}

/**
 * Writes a receipt file in `dir` and returns its path. With `salt` (a salted digest's salt,
 * 64 hex digits) the file holds it as `salt` and is written owner-only (0600), like the salts
 * of private labels: it is what lets anyone confirm the output.
 */
export function saveReceipt(
  dir: string,
  receipt: VerifiedReceipt | WrittenReceipt,
  position: number,
  file: string,
  extra: { readonly failedVerification?: string; readonly salt?: string } = {},
): string {
  const { failedVerification, salt } = extra;
  const path = join(dir, `${receiptStem(receipt.id, position)}.receipt.json`);
  const entry = typeof receipt.entry === 'string' ? receipt.entry : base64Encode(receipt.entry);
  let record: unknown;
  try {
    record = parseRecord(base64Decode(entry));
  } catch {
    record = undefined; // an entry that is not a record: the file keeps the bytes, and says so
  }
  const content = {
    id: receipt.id,
    log: receipt.log,
    index: receipt.index,
    time: receipt.time,
    record,
    entry,
    receipt: receipt.receipt,
    ...(receipt.receiptProof === undefined ? {} : { receiptProof: receipt.receiptProof }),
    verificationUrl: receipt.verificationUrl,
    file: basename(file),
    ...(salt === undefined ? {} : { salt }),
    ...(failedVerification === undefined ? {} : { failedVerification }),
  };
  writeFileSync(path, `${JSON.stringify(content, null, 2)}\n`, salt ? { mode: 0o600 } : {});
  return path;
}

/** Whether `text` is a receipt file rather than a bundle: a JSON object with no `mediaType`. */
export function isReceiptFile(text: string): boolean {
  if (!text.trimStart().startsWith('{')) return false;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !('mediaType' in value);
  } catch {
    return false;
  }
}

export interface ReceiptFileResult {
  readonly verification: Verification;
  /** The `content` check with --file: undefined without one. */
  readonly content?: { readonly ok: boolean; readonly summary: string };
  /** Problems of the file itself (not of the signed receipt). */
  readonly problems: readonly string[];
  readonly id?: string;
}

/**
 * Checks a receipt file: the receipt's signature with the log key over the entry's leaf
 * hash, index and time (verifyReceipt, also a batch receipt with its receipt proof); that
 * the file's readable `record` is the entry's; and, with `content`, that the content hashes
 * to the record's digest (salted with `salt`, else with the file's own `salt` when it has
 * one). Files without `entry` (saved by earlier versions) are checked
 * with the canonical entry of their `record`. Throws for a file that is not a receipt file.
 */
export async function verifyReceiptFile(
  path: string,
  policy: TrustPolicy,
  content: Uint8Array | undefined,
  salt?: Uint8Array,
): Promise<ReceiptFileResult> {
  if (statSync(path).size > MAX_RECEIPT_FILE) {
    throw new Error(`${path} exceeds ${MAX_RECEIPT_FILE} bytes: not a receipt file`);
  }
  const file = JSON.parse(readFileSync(path, 'utf8')) as ReceiptFile;
  if (typeof file.receipt !== 'string' || !Number.isSafeInteger(file.index)) {
    throw new Error(
      `${path} is neither a proof bundle (it has no "mediaType") nor a receipt file (it needs "receipt" and "index")`,
    );
  }
  const problems: string[] = [];
  const entry =
    typeof file.entry === 'string' ? base64Decode(file.entry) : entryOfRecord(file.record);
  const verification = await verifyReceipt(file.receipt, entry, policy, {
    index: file.index as number,
    ...(Array.isArray(file.receiptProof) ? { receiptProof: file.receiptProof as string[] } : {}),
  });
  const record = verification.record;
  if (
    record &&
    file.record !== undefined &&
    canonicalJson(file.record as object) !== canonicalJson(record)
  ) {
    problems.push('the file\'s "record" is not the record of its signed entry');
  }
  if (record && file.id !== undefined && idIndex(file.id) !== verification.index) {
    problems.push(`the file's id ${String(file.id)} does not name index ${verification.index}`);
  }
  let contentResult: ReceiptFileResult['content'];
  if (content !== undefined && record) {
    const algorithm = record.digest.slice(0, record.digest.indexOf(':')) as DigestAlgorithm;
    const key = salt ?? (file.salt === undefined ? undefined : parseSalt(file.salt as string));
    const digest = await contentDigest(content, algorithm, key);
    contentResult =
      digest === record.digest
        ? {
            ok: true,
            summary: `The content${key ? ' with its salt' : ''} hashes to the record's digest ${digest}.`,
          }
        : {
            ok: false,
            summary: `The content hashes to ${digest}, not the record's ${record.digest}.`,
          };
  }
  return {
    verification,
    ...(contentResult ? { content: contentResult } : {}),
    problems,
    ...(typeof file.id === 'string' ? { id: file.id } : {}),
  };
}

/** The index a record id names, or undefined when it is not a record id. */
function idIndex(id: unknown): number | undefined {
  try {
    return parseRecordId(id as string).index;
  } catch {
    return undefined;
  }
}

/** The canonical entry bytes of a record object (validated as buildRecord does). */
function entryOfRecord(value: unknown): Uint8Array {
  if (typeof value !== 'object' || value === null) {
    throw new Error('the receipt file has neither "entry" nor "record"');
  }
  const { schema: _schema, tenant, time, ...statement } = value as Record<string, unknown>;
  return buildRecord(statement as never, tenant as string, parseTime(time as string)).bytes;
}

/**
 * The output salt kept with a proof file: the `salt` of the receipt file attest saved beside
 * it (`<id>.receipt.json` for `<id>.bundle.json` or `<id>.tlog-proof`), else undefined.
 * Throws when that receipt file holds a malformed salt.
 */
export function saltBeside(proofFile: string): Uint8Array | undefined {
  const stem = proofFile.replace(/(\.bundle\.json|\.tlog-proof|\.json)$/, '');
  const receiptFile = `${stem}.receipt.json`;
  if (receiptFile === proofFile || !existsSync(receiptFile)) return undefined;
  if (statSync(receiptFile).size > MAX_RECEIPT_FILE) return undefined;
  const { salt } = JSON.parse(readFileSync(receiptFile, 'utf8')) as ReceiptFile;
  return salt === undefined ? undefined : parseSalt(salt as string);
}
