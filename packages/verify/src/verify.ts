import {
  base64Encode,
  parseCheckpoint,
  parseNote,
  type Note,
  type NoteSignature,
} from '@proofline/note';
import {
  BUNDLE_V2_MEDIA_TYPE,
  type Bundle,
  type BundleLatest,
  type BundleTimestamp,
} from '@proofline/records';
import { equalHashes, leafHash } from '@proofline/tlog';
import { Ahead } from './ahead.js';
import { notApplicable, skipped, type StepResult } from './checks.js';
import { VerificationError } from './errors.js';
import { resolvePolicy, type ResolvedPolicy } from './policy.js';
import { withKeyHistory } from './key-chain.js';
import { bundleStep, tlogProofStep } from './steps/bundle.js';
import { checkpointStep, type VerifiedCheckpoint } from './steps/checkpoint.js';
import { consistencyStep } from './steps/consistency.js';
import { contentStep } from './steps/content.js';
import { inclusionStep } from './steps/inclusion.js';
import { issuerStep } from './steps/issuer.js';
import { latestStep } from './steps/latest.js';
import { receiptStep, type SignatureMemo } from './steps/receipt.js';
import { recordStep } from './steps/record.js';
import { timestampStep, type TimestampBound } from './steps/timestamp.js';
import { witnessesStep } from './steps/witnesses.js';
import type {
  Check,
  CheckName,
  ReceiptOptions,
  TrustPolicy,
  Verification,
  VerifyOptions,
} from './types.js';
import { cosignatureLines, existedBy } from './witnessed.js';

/** What a bundle or a tlog-proof claims, once well-formed. */
interface Subject {
  readonly entry: Uint8Array;
  readonly index: number;
  readonly inclusionProof: readonly Uint8Array[];
  readonly checkpoint: string;
  /** Bundles only (v2: optional). */
  readonly receipt?: string;
  /** v2 bundles only: the record's inclusion proof under a batch receipt's root. */
  readonly receiptProof?: readonly Uint8Array[];
  /** v2 bundles only: the latest checkpoint and the consistency proof from the anchor. */
  readonly latest?: BundleLatest;
  /** What the subject is: the receipt check depends on it. */
  readonly kind: 'v1' | 'v2' | 'tlog-proof';
  /** Bundles only: the log the bundle says it is from. */
  readonly origin?: string;
  /** Bundles only: RFC 3161 tokens over the checkpoint text. */
  readonly timestamps?: readonly BundleTimestamp[];
}

const ORDER: readonly CheckName[] = [
  'bundle',
  'record',
  'content',
  'issuer',
  'receipt',
  'inclusion',
  'checkpoint',
  'witnesses',
  'timestamp',
  'latest',
  'consistency',
];
const MANDATORY_FOR_BUNDLES: readonly CheckName[] = [
  'bundle',
  'record',
  'receipt',
  'inclusion',
  'checkpoint',
];
/** A v2 bundle without a receipt: the inclusion proof in the signed checkpoint is the proof. */
const MANDATORY_WITHOUT_RECEIPT: readonly CheckName[] = [
  'bundle',
  'record',
  'inclusion',
  'checkpoint',
];
const MANDATORY_FOR_TLOG_PROOFS: readonly CheckName[] = [
  'bundle',
  'record',
  'inclusion',
  'checkpoint',
];

/** Why the receipt check does not apply, when there is no receipt (a v1 bundle always has one). */
const NO_RECEIPT: Readonly<Record<Subject['kind'], string>> = {
  v1: 'A v1 bundle always carries a receipt.',
  v2:
    'The log kept no creation receipt for this record: the inclusion proof in the signed ' +
    'checkpoint is the proof that the log holds it.',
  'tlog-proof': 'A tlog-proof carries no receipt.',
};

/** Why the latest check does not apply, when there is no `latest`. */
const NO_LATEST: Readonly<Record<Subject['kind'], string>> = {
  v1: 'A v1 bundle has a single checkpoint: there is no later one to link.',
  v2: 'The bundle’s anchor was the log’s latest checkpoint when the bundle was made.',
  'tlog-proof': 'A tlog-proof has a single checkpoint: there is no later one to link.',
};

/** Rejects options of the wrong types (programmer errors): VerificationError INVALID_ARGUMENT. */
function checkOptions(options: VerifyOptions): void {
  const bad = (step: CheckName, message: string): VerificationError =>
    new VerificationError('INVALID_ARGUMENT', step, `invalid VerifyOptions: ${message}`);
  if (typeof options !== 'object' || options === null) throw bad('bundle', 'must be an object');
  const { content, salt, trustedCheckpoint, consistencyProof, readTiles } = options;
  if (content !== undefined && !(content instanceof Uint8Array)) {
    throw bad('content', 'content must be a Uint8Array');
  }
  if (salt !== undefined && (!(salt instanceof Uint8Array) || salt.length !== 32)) {
    throw bad('content', 'salt must be a Uint8Array of 32 bytes');
  }
  if (trustedCheckpoint !== undefined && typeof trustedCheckpoint !== 'string') {
    throw bad('consistency', 'trustedCheckpoint must be a string');
  }
  if (consistencyProof !== undefined && !Array.isArray(consistencyProof)) {
    throw bad('consistency', 'consistencyProof must be an array of hashes');
  }
  if (readTiles !== undefined && typeof readTiles !== 'function') {
    throw bad('consistency', 'readTiles must be a function');
  }
}

/** The verdict: no check failed and every mandatory one passed. */
function verdict(checks: readonly Check[], mandatory: readonly CheckName[]): boolean {
  return (
    checks.every((c) => c.status !== 'failed') &&
    mandatory.every((name) => checks.some((c) => c.name === name && c.status === 'passed'))
  );
}

/** The inclusion check against the checkpoint as parsed, before its signature is verified. */
function inclusionAhead(
  leaf: Uint8Array,
  subject: Subject,
  note: Note | undefined,
): { readonly size: number; readonly rootHash: Uint8Array; readonly check: Check } | undefined {
  if (note === undefined) return undefined;
  try {
    const checkpoint = parseCheckpoint(note.text);
    const check = inclusionStep(leaf, subject.index, subject.inclusionProof, checkpoint);
    return { size: checkpoint.size, rootHash: checkpoint.rootHash, check };
  } catch {
    return undefined;
  }
}

/**
 * Runs checks 2-11 on a well-formed subject. Every signature verification starts as soon as
 * its note is parsed (see Ahead), and the steps run concurrently, so the verifications
 * overlap with each other and with the work on this thread, on platforms where WebCrypto
 * works off the main thread. The inclusion proof is checked meanwhile against the root the
 * checkpoint claims; that result is used only once the checkpoint opened with the log key
 * with that same size and root (so it is exactly the check against the signed root), and
 * otherwise the proof is checked again against the signed root. The checks are reported in
 * the listed order, whichever finished first. A check whose input a failed check should have
 * produced is 'not-applicable' with "not checked: <step> failed"; checks that do not need it
 * still run. Optional checks that are not configured are 'not-applicable'.
 */
async function verifySubject(
  bundleCheck: Check,
  subject: Subject,
  options: VerifyOptions,
  ahead: Ahead,
): Promise<{ checks: Check[]; partial: Omit<Verification, 'ok' | 'checks' | 'bundle'> }> {
  const { policy } = ahead;
  ahead.start(subject.receipt);
  ahead.start(subject.checkpoint, true);
  ahead.start(subject.latest?.checkpoint);
  ahead.start(options.trustedCheckpoint);
  const receiptNote = ahead.note(subject.receipt);
  const checkpointNote = ahead.note(subject.checkpoint);

  const leaf = leafHash(subject.entry);
  const { check: recordCheck, value: record } = recordStep(
    subject.entry,
    leaf,
    subject.origin,
    policy,
  );
  const steps = Promise.all([
    options.content === undefined
      ? notApplicable('content', 'No content given: the record was not compared with an output.')
      : record === undefined
        ? skipped('content', 'record')
        : contentStep(record, options.content, options.salt),
    record === undefined ? skipped('issuer', 'record') : issuerStep(record, policy),
    subject.receipt === undefined
      ? notApplicable('receipt', NO_RECEIPT[subject.kind])
      : record === undefined
        ? skipped('receipt', 'record')
        : receiptStep(subject.receipt, leaf, record, policy, {
            index: subject.index,
            // v2 bundles may carry a batch receipt with its receiptProof; v1 only receipt/v1.
            batch: subject.kind === 'v2',
            receiptProof: subject.receiptProof?.map(base64Encode),
            parsed: receiptNote,
          }).then((r) => r.check),
    checkpointStep(subject.checkpoint, policy, checkpointNote),
  ]);
  const early = inclusionAhead(leaf, subject, checkpointNote);
  const [content, issuer, receipt, { check: checkpointCheck, value: verified }] = await steps;
  const inclusion =
    verified === undefined
      ? skipped('inclusion', 'checkpoint')
      : early !== undefined &&
          early.size === verified.checkpoint.size &&
          equalHashes(early.rootHash, verified.checkpoint.rootHash)
        ? early.check
        : inclusionStep(leaf, subject.index, subject.inclusionProof, verified.checkpoint);
  // The checkpoint opened, so its note parses.
  const signatures =
    verified === undefined ? [] : (checkpointNote ?? parseNote(subject.checkpoint)).signatures;
  const witnessesResult: Promise<StepResult<ReadonlySet<NoteSignature>>> | StepResult<never> =
    policy.witnesses === undefined
      ? { check: notApplicable('witnesses', 'No witness policy: cosignatures were not checked.') }
      : verified === undefined
        ? { check: skipped('witnesses', 'checkpoint') }
        : witnessesStep(signatures, verified, policy.witnesses);
  const timestampResult: Promise<StepResult<TimestampBound>> | StepResult<never> =
    policy.tsaRoots === undefined
      ? {
          check: notApplicable(
            'timestamp',
            'No timestamp authorities in the policy: timestamps were not checked.',
          ),
        }
      : verified === undefined
        ? { check: skipped('timestamp', 'checkpoint') }
        : timestampStep(subject.timestamps, verified, policy);
  const latestResult: Promise<StepResult<VerifiedCheckpoint>> | StepResult<never> =
    subject.latest === undefined
      ? { check: notApplicable('latest', NO_LATEST[subject.kind]) }
      : verified === undefined
        ? { check: skipped('latest', 'checkpoint') }
        : latestStep(subject.latest, verified, policy, ahead.note(subject.latest.checkpoint));
  // The trusted checkpoint is compared with the newest verified view of the log.
  const [
    { check: witnesses, value: cosigned },
    { check: timestamp, value: tsa },
    { check: latest, value: verifiedLatest },
    consistency,
  ] = await Promise.all([
    witnessesResult,
    timestampResult,
    latestResult,
    options.trustedCheckpoint === undefined
      ? notApplicable('consistency', 'No trusted checkpoint given: consistency was not checked.')
      : verified === undefined
        ? skipped('consistency', 'checkpoint')
        : Promise.resolve(latestResult).then(({ value: newest }) =>
            subject.latest !== undefined && newest === undefined
              ? skipped('consistency', 'latest')
              : consistencyStep(options.trustedCheckpoint!, newest ?? verified, options, policy),
          ),
  ]);
  const checks = [
    bundleCheck,
    recordCheck,
    content,
    issuer,
    receipt,
    inclusion,
    checkpointCheck,
    witnesses,
    timestamp,
    latest,
    consistency,
  ];
  const lines =
    verified === undefined ? undefined : cosignatureLines(signatures, cosigned ?? new Set());
  return {
    checks,
    partial: {
      record,
      index: subject.index,
      checkpoint: verified?.checkpoint,
      latest: verifiedLatest?.checkpoint,
      witnessed:
        lines === undefined
          ? undefined
          : Object.freeze({
              cosignatures: Object.freeze(
                lines.map(({ name, keyId, time, verified: ok }) =>
                  Object.freeze({ name, keyId, time, verified: ok }),
                ),
              ),
            }),
      existedBy: lines === undefined ? undefined : existedBy(lines, checks, tsa),
    },
  };
}

/** Every check after 'bundle', when the input is not even well-formed. */
function allSkipped(bundleCheck: Check): Check[] {
  return [bundleCheck, ...ORDER.slice(1).map((name) => skipped(name, 'bundle'))];
}

/**
 * Verifies a proof bundle (JSON text, or a Bundle object, which is checked the same way)
 * offline against `policy`, running the eleven checks in order (see README). Never throws for
 * bad input: a malformed bundle is a failed 'bundle' check, and so on. Throws
 * VerificationError INVALID_POLICY for a malformed policy and INVALID_ARGUMENT for options
 * of the wrong types.
 */
export async function verifyBundle(
  input: string | Bundle,
  policy: TrustPolicy,
  options: VerifyOptions = {},
): Promise<Verification> {
  const resolved = await withKeyHistory(resolvePolicy(policy), policy.logKey, policy.keyHistory);
  checkOptions(options);
  const ahead = new Ahead(resolved);
  ahead.startBundle(input);
  const { check, value: bundle } = bundleStep(input, (note) => ahead.note(note));
  if (bundle === undefined) return freeze({ ok: false, checks: allSkipped(check) });
  const kind = bundle.mediaType === BUNDLE_V2_MEDIA_TYPE ? 'v2' : 'v1';
  const { checks, partial } = await verifySubject(check, { ...bundle, kind }, options, ahead);
  const mandatory =
    bundle.receipt === undefined ? MANDATORY_WITHOUT_RECEIPT : MANDATORY_FOR_BUNDLES;
  return freeze({ ok: verdict(checks, mandatory), checks, ...partial, bundle });
}

/**
 * Verifies a c2sp.org/tlog-proof@v1 text like a bundle. The entry is taken from its `extra`
 * line (required here; it is authenticated by the inclusion proof); a tlog-proof has no
 * receipt, so that check is 'not-applicable' and not mandatory. Throws like verifyBundle.
 */
export async function verifyTlogProof(
  text: string,
  policy: TrustPolicy,
  options: VerifyOptions = {},
): Promise<Verification> {
  const resolved = await withKeyHistory(resolvePolicy(policy), policy.logKey, policy.keyHistory);
  checkOptions(options);
  const { check, value: proof } = tlogProofStep(text);
  if (proof === undefined) return freeze({ ok: false, checks: allSkipped(check) });
  const subject = { ...proof, entry: proof.extra, kind: 'tlog-proof' as const };
  const { checks, partial } = await verifySubject(check, subject, options, new Ahead(resolved));
  return freeze({ ok: verdict(checks, MANDATORY_FOR_TLOG_PROOFS), checks, ...partial });
}

/**
 * Checks a receipt right after attesting, before any checkpoint covers the entry: only the
 * steps record (the entry is a canonical record), issuer and receipt. The receipt is either
 *
 * - a proofline.dev/receipt/v1 note signed by the log key for this origin, leaf hash and time
 *   (and index `options.index`, when given); `options.receiptProof` must be absent. The
 *   result's `index` is the receipt's.
 * - a proofline.dev/batch-receipt/v1 note signed by the log key for this origin and time,
 *   with `options.receiptProof` (the API's `receiptProof`: base64 hashes) proving the entry's
 *   leaf hash at `options.index` under the batch root. Both options are required. The
 *   result's `index` is `options.index`.
 *
 * `receipt`, `entry` bytes and both options are untrusted (they come from the log's answer):
 * never throws for bad values of them; a missing, malformed or misplaced receiptProof or
 * index is a failed receipt check (RECEIPT_MALFORMED). Throws VerificationError
 * INVALID_POLICY for a malformed policy and INVALID_ARGUMENT when `entry` is not a Uint8Array
 * or `options` is not an object.
 */
export async function verifyReceipt(
  receipt: string,
  entry: Uint8Array,
  policy: TrustPolicy,
  options: ReceiptOptions = {},
): Promise<Verification> {
  const resolved = await withKeyHistory(resolvePolicy(policy), policy.logKey, policy.keyHistory);
  return receiptVerification(receipt, entry, resolved, options, undefined);
}

/**
 * verifyReceipt for several entries covered by one receipt note (e.g. the records of a
 * batch attest, whose compact answer carries one batch receipt): the same checks and
 * results, one per item in order, but the note's signature is verified once for all.
 * Throws like verifyReceipt.
 */
export async function verifyReceipts(
  receipt: string,
  items: readonly { readonly entry: Uint8Array; readonly options?: ReceiptOptions }[],
  policy: TrustPolicy,
): Promise<Verification[]> {
  const resolved = await withKeyHistory(resolvePolicy(policy), policy.logKey, policy.keyHistory);
  const memo: SignatureMemo = { note: receipt };
  return Promise.all(
    items.map((item) =>
      receiptVerification(receipt, item.entry, resolved, item.options ?? {}, memo),
    ),
  );
}

async function receiptVerification(
  receipt: string,
  entry: Uint8Array,
  resolved: ResolvedPolicy,
  options: ReceiptOptions,
  signature: SignatureMemo | undefined,
): Promise<Verification> {
  if (!(entry instanceof Uint8Array)) {
    throw new VerificationError('INVALID_ARGUMENT', 'record', 'entry must be a Uint8Array');
  }
  if (typeof options !== 'object' || options === null) {
    throw new VerificationError('INVALID_ARGUMENT', 'receipt', 'options must be an object');
  }
  const { index, receiptProof } = options;
  const leaf = leafHash(entry);
  const { check: recordCheck, value: record } = recordStep(entry, leaf);
  if (record === undefined) {
    const checks = [recordCheck, skipped('issuer', 'record'), skipped('receipt', 'record')];
    return freeze({ ok: false, checks });
  }
  // Concurrently, so the two signature verifications overlap.
  const [issuer, { check: receiptCheck, value: claimed }] = await Promise.all([
    issuerStep(record, resolved),
    receiptStep(receipt, leaf, record, resolved, {
      index,
      receiptProof,
      batch: true,
      ...(signature === undefined ? {} : { signature }),
    }),
  ]);
  const checks = [recordCheck, issuer, receiptCheck];
  const ok = verdict(checks, ['record', 'receipt']);
  return freeze({ ok, checks, record, index: claimed?.index });
}

/** Freezes a verification and its checks list, dropping members that are undefined. */
function freeze(v: Verification): Verification {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(v)) if (value !== undefined) out[name] = value;
  out.checks = Object.freeze([...v.checks]);
  return Object.freeze(out) as unknown as Verification;
}
