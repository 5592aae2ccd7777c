import { readFileSync } from 'node:fs';
import {
  CoseError,
  decodeCoseKey,
  decodeCoseKeySet,
  publicKeyFromPem,
  type CosePublicKey,
} from '@proofline/cose';
import {
  VerificationError,
  verifyScitt,
  type Check,
  type ScittVerification,
} from '@proofline/verify';
import { UsageError } from '../cli/command.js';
import { EXIT } from '../exit-codes.js';

/** What `proofline verify` takes for a COSE file. */
export interface ScittVerifyOptions {
  readonly file: string;
  readonly logKey: string;
  /** Issuer key files: PEM SubjectPublicKeyInfo, or a CBOR COSE_Key or COSE_KeySet. */
  readonly statementKeys: readonly string[];
  /** A signed checkpoint (C2SP note) of the log, to confirm the receipts' size and index. */
  readonly checkpoint?: string;
  readonly json: boolean;
}

/**
 * Whether a file is CBOR a COSE_Sign1 starts with: tag 18 (0xd2) or an untagged array of four
 * (0x84). Bundles (JSON), tlog-proofs and receipt files are text and never start so.
 */
export function isCoseFile(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd2 || bytes[0] === 0x84;
}

function readOrUsage(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

/** The issuer keys in a key file: PEM SPKI (Ed25519 or P-256), a COSE_Key or a COSE_KeySet. */
export function readStatementKeys(path: string): CosePublicKey[] {
  const bytes = readOrUsage(path, '--statement-key');
  const text = bytes.toString('latin1');
  try {
    if (text.trimStart().startsWith('-----BEGIN')) return [publicKeyFromPem(text)];
    return bytes[0]! >= 0x80 && bytes[0]! <= 0x9b
      ? decodeCoseKeySet(new Uint8Array(bytes))
      : [decodeCoseKey(new Uint8Array(bytes))];
  } catch (err) {
    if (!(err instanceof CoseError)) throw err;
    throw new UsageError(
      `--statement-key ${path} is not an Ed25519 or P-256 public key (PEM SubjectPublicKeyInfo, COSE_Key or COSE_KeySet): ${err.message}`,
    );
  }
}

const MARK = { passed: 'PASS', failed: 'FAIL', 'not-applicable': 'n/a ' } as const;

function printCheck(check: Check, indent: string): void {
  process.stdout.write(
    `${indent}${MARK[check.status]} ${check.name.padEnd(12)} ${check.summary}\n`,
  );
  if (check.status === 'failed' && check.error) {
    process.stdout.write(`${indent}     ${' '.repeat(12)} [${check.error.code}]\n`);
  }
}

/** The one-line verdict: what was proven, and what was not (unsigned size and index). */
function verdictLine(v: ScittVerification): string {
  if (!v.ok) return 'NOT VERIFIED';
  const verified = v.receipts.filter((r) => r.status === 'verified');
  const where = verified
    .map(
      (r) =>
        `${r.record ? `record ${r.leafIndex}` : `leaf ${r.leafIndex}`} of ${r.origin ?? `the log with key ${r.serviceKid}`}` +
        (r.record ? `, logged at ${r.record.time}` : '') +
        (r.confirmed
          ? ` (tree size ${r.treeSize}, confirmed by the signed checkpoint)`
          : ` (tree size ${r.treeSize} and index unsigned, not confirmed: give --checkpoint)`),
    )
    .join('; ');
  return v.kind === 'receipt'
    ? `VERIFIED receipt: ${where}`
    : `VERIFIED transparent statement of ${v.statement?.issuer ?? 'its issuer'}: ${where}`;
}

function summarize(v: ScittVerification) {
  const checks = (list: readonly Check[]) =>
    list.map((c) => ({
      name: c.name,
      status: c.status,
      summary: c.summary,
      ...(c.error ? { code: c.error.code } : {}),
      evidence: c.evidence,
    }));
  return {
    ok: v.ok,
    kind: v.kind,
    ...(v.statement ? { statement: v.statement } : {}),
    checks: checks(v.checks),
    receipts: v.receipts.map((r) => ({ ...r, checks: checks(r.checks) })),
    verdict: verdictLine(v),
  };
}

/**
 * `proofline verify FILE.cose`: a COSE receipt of a record or a transparent statement,
 * verified offline with `@proofline/verify`'s verifyScitt against the log key (and issuer
 * keys, and a checkpoint when given). Key and checkpoint files are read first: a bad one is a
 * usage error (exit 2) before anything is verified. Exit 0 verified, 1 not.
 */
export async function verifyScittCommand(
  o: ScittVerifyOptions,
  bytes: Uint8Array,
): Promise<number> {
  const issuerKeys = o.statementKeys.flatMap(readStatementKeys);
  const checkpoint =
    o.checkpoint === undefined
      ? undefined
      : readOrUsage(o.checkpoint, '--checkpoint').toString('utf8');
  let verification: ScittVerification;
  try {
    verification = await verifyScitt(bytes, {
      serviceKeys: [o.logKey],
      issuerKeys,
      ...(checkpoint === undefined ? {} : { checkpoint }),
    });
  } catch (err) {
    if (err instanceof VerificationError) {
      throw new UsageError(`--log-key: ${err.message}`);
    }
    throw err;
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(summarize(verification), null, 2)}\n`);
  } else {
    for (const check of verification.checks) printCheck(check, '');
    if (verification.kind === 'transparent-statement') {
      verification.receipts.forEach((r, i) => {
        process.stdout.write(`     receipt ${i + 1}: ${r.status}\n`);
        for (const check of r.checks) printCheck(check, '     ');
      });
    }
    process.stdout.write(`${verdictLine(verification)}\n`);
  }
  return verification.ok ? EXIT.ok : EXIT.failed;
}
