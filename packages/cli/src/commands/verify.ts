import { readFileSync } from 'node:fs';
import { parseBundle, parseSalt, parseTlogProof } from '@proofline/records';
import { tilePath } from '@proofline/tlog';
import {
  verifyBundle,
  verifyTlogProof,
  type TrustPolicy,
  type Verification,
} from '@proofline/verify';
import { UsageError } from '../cli/command.js';
import { EXIT } from '../exit-codes.js';
import { handoversOf } from '../audit/key-chain.js';
import { checkLive } from './live.js';
import { isReceiptFile, saltBeside, verifyReceiptFile } from './receipt-file.js';
import { isCoseFile, verifyScittCommand } from './verify-scitt.js';

export interface VerifyCommandOptions {
  readonly file: string;
  readonly logKey: string;
  readonly original?: string;
  /** The salt of a salted digest (64 hex digits); default: the one kept with the proof files. */
  readonly salt?: string;
  readonly trustedCheckpoint?: string;
  /**
   * The log's tlog-tiles prefix: the record is checked against the live log (see checkLive),
   * and its tiles serve the consistency proof with a trusted checkpoint.
   */
  readonly logUrl?: string;
  /**
   * A file holding the log's description (`GET /logs/<name>/`): its `retiredKeys` handovers
   * become TrustPolicy.keyHistory (verified by @proofline/verify, never taken on trust).
   */
  readonly keyHistory?: string;
  readonly issuerKeys: readonly string[];
  readonly requireIssuer: boolean;
  /** Witness (cosignature/v1) verifier keys and how many must have cosigned. */
  readonly witnessKeys: readonly string[];
  readonly witnessQuorum?: number;
  /** PEM files of the RFC 3161 time-stamping roots to trust; `requireTimestamp` demands a token. */
  readonly tsaRoots: readonly string[];
  readonly requireTimestamp: boolean;
  /** COSE files only: issuer key files (see verify-scitt.ts). */
  readonly statementKeys: readonly string[];
  /** COSE files only: a signed checkpoint file. */
  readonly checkpoint?: string;
  readonly json: boolean;
}

const MARK = { passed: 'PASS', failed: 'FAIL', 'not-applicable': 'n/a ' } as const;

/**
 * `proofline verify`: checks a proof bundle (.json) or a tlog-proof file offline against the
 * log key (a COSE receipt or transparent statement: verify-scitt.ts)
 * log key, and with `logUrl` against the live log too; prints every check; exit 0 when all
 * pass, 1 if any fails. A receipt file (what attest saves) is checked as far as a receipt
 * goes: exit 3 (logged, not yet provable) when it verifies. A salted digest is checked with
 * `salt`, else with the salt attest kept in the receipt file (beside a bundle, `<id>.receipt.json`).
 */
export async function verifyCommand(o: VerifyCommandOptions): Promise<number> {
  const bytes = readFileSync(o.file);
  if (isCoseFile(bytes)) return verifyCose(o, bytes);
  if (o.statementKeys.length > 0 || o.checkpoint !== undefined) {
    throw new UsageError(
      `--statement-key and --checkpoint are for COSE receipts and transparent statements; ${o.file} is not one`,
    );
  }
  const text = bytes.toString('utf8');
  const keyHistory = o.keyHistory ? handoversOf(readFileSync(o.keyHistory, 'utf8')) : undefined;
  const policy: TrustPolicy = {
    logKey: o.logKey,
    ...(o.issuerKeys.length > 0 ? { issuerKeys: o.issuerKeys } : {}),
    ...(o.requireIssuer ? { requireIssuerSignature: true } : {}),
    ...(o.witnessKeys.length > 0
      ? { witnesses: { keys: o.witnessKeys, quorum: o.witnessQuorum ?? o.witnessKeys.length } }
      : {}),
    ...(o.tsaRoots.length > 0
      ? { timestampAuthorities: { roots: o.tsaRoots.map(pemToBase64) } }
      : {}),
    ...(o.requireTimestamp ? { requireTimestamp: true } : {}),
    ...(keyHistory ? { keyHistory } : {}),
  };
  const content = o.original ? new Uint8Array(readFileSync(o.original)) : undefined;
  const explicitSalt = o.salt === undefined ? undefined : parseSalt(o.salt);
  if (isReceiptFile(text)) return verifyReceiptCommand(o, policy, content, explicitSalt);
  const salt = content && (explicitSalt ?? saltBeside(o.file));
  const base = o.logUrl && (o.logUrl.endsWith('/') ? o.logUrl : `${o.logUrl}/`);
  const options = {
    ...(content ? { content } : {}),
    ...(salt ? { salt } : {}),
    ...(o.trustedCheckpoint
      ? { trustedCheckpoint: readFileSync(o.trustedCheckpoint, 'utf8') }
      : {}),
    ...(base
      ? {
          readTiles: (tiles: readonly Parameters<typeof tilePath>[0][]) =>
            Promise.all(
              tiles.map(async (t) => {
                const res = await fetch(`${base}${tilePath(t)}`);
                if (!res.ok) throw new Error(`GET ${base}${tilePath(t)}: HTTP ${res.status}`);
                return new Uint8Array(await res.arrayBuffer());
              }),
            ),
        }
      : {}),
  };
  const tlogProof = text.startsWith('c2sp.org/tlog-proof@v1\n');
  const verification = tlogProof
    ? await verifyTlogProof(text, policy, options)
    : await verifyBundle(text, policy, options);
  // The live checks start from what the offline checks established, so only after they pass.
  const live =
    base && verification.ok && verification.checkpoint && verification.index !== undefined
      ? await checkLive(
          base,
          o.logKey,
          {
            index: verification.index,
            entry: tlogProof ? parseTlogProof(text).extra! : parseBundle(text).entry,
            checkpoint: verification.checkpoint,
          },
          keyHistory,
        )
      : undefined;
  const ok = verification.ok && (live ?? []).every((c) => c.ok);
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ ...summarize(verification), ok, ...(live ? { live } : {}) }, null, 2)}\n`,
    );
  } else {
    printChecks(verification);
    if (base && !live) {
      process.stdout.write(
        `${MARK['not-applicable']} live        not checked: the bundle does not verify\n`,
      );
    }
    for (const check of live ?? []) {
      process.stdout.write(
        `${check.ok ? MARK.passed : MARK.failed} ${check.name} ${check.summary}\n`,
      );
    }
    process.stdout.write(
      ok
        ? `VERIFIED record ${verification.index} of ${verification.checkpoint?.origin}${live ? ', against the live log' : ''}\n`
        : 'NOT VERIFIED\n',
    );
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** A COSE file: only the flags that apply to it (verifyScittCommand). */
function verifyCose(o: VerifyCommandOptions, bytes: Buffer): Promise<number> {
  const others: [string, boolean][] = [
    ['--file', o.original !== undefined],
    ['--salt', o.salt !== undefined],
    ['--trusted-checkpoint', o.trustedCheckpoint !== undefined],
    ['--log-url', o.logUrl !== undefined],
    ['--key-history', o.keyHistory !== undefined],
    ['--issuer-key', o.issuerKeys.length > 0],
    ['--require-issuer', o.requireIssuer],
    ['--witness-key', o.witnessKeys.length > 0],
    ['--tsa-root', o.tsaRoots.length > 0],
    ['--require-timestamp', o.requireTimestamp],
  ];
  const given = others.filter(([, set]) => set).map(([flag]) => flag);
  if (given.length > 0) {
    throw new UsageError(
      `${o.file} is a COSE receipt or transparent statement: ${given.join(', ')} do not apply (use --statement-key and --checkpoint)`,
    );
  }
  return verifyScittCommand(
    {
      file: o.file,
      logKey: o.logKey,
      statementKeys: o.statementKeys,
      ...(o.checkpoint === undefined ? {} : { checkpoint: o.checkpoint }),
      json: o.json,
    },
    new Uint8Array(bytes),
  );
}

/** `proofline verify RECEIPT_FILE`: see verifyReceiptFile. */
async function verifyReceiptCommand(
  o: VerifyCommandOptions,
  policy: TrustPolicy,
  content: Uint8Array | undefined,
  salt: Uint8Array | undefined,
): Promise<number> {
  if (o.logUrl !== undefined || o.trustedCheckpoint !== undefined) {
    throw new Error(
      `${o.file} is a receipt, which no checkpoint covers yet: fetch its proof bundle with \`proofline proof ID\` first`,
    );
  }
  const result = await verifyReceiptFile(o.file, policy, content, salt);
  const { verification } = result;
  const ok = verification.ok && result.problems.length === 0 && result.content?.ok !== false;
  const id = result.id ?? `record ${verification.index}`;
  const verdict = ok
    ? `LOGGED, NOT YET PROVABLE: the receipt is signed by the log; fetch the proof bundle with \`proofline proof ${id}\``
    : 'NOT VERIFIED';
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ ...summarize(verification), ok, provable: false, content: result.content, problems: result.problems, verdict }, null, 2)}\n`,
    );
  } else {
    printChecks(verification);
    if (result.content) {
      const mark = result.content.ok ? MARK.passed : MARK.failed;
      process.stdout.write(`${mark} ${'content'.padEnd(11)} ${result.content.summary}\n`);
    }
    for (const problem of result.problems) {
      process.stdout.write(`${MARK.failed} ${'file'.padEnd(11)} ${problem}\n`);
    }
    process.stdout.write(`${verdict}\n`);
  }
  return ok ? EXIT.notYetProvable : EXIT.failed;
}

function printChecks(verification: Verification): void {
  for (const check of verification.checks) {
    process.stdout.write(`${MARK[check.status]} ${check.name.padEnd(11)} ${check.summary}\n`);
    if (check.status === 'failed' && check.error) {
      process.stdout.write(`     ${' '.repeat(11)} [${check.error.code}]\n`);
    }
  }
}

function summarize(v: Verification) {
  return {
    ok: v.ok,
    index: v.index,
    record: v.record,
    checks: v.checks.map((c) => ({
      name: c.name,
      status: c.status,
      summary: c.summary,
      ...(c.error ? { code: c.error.code } : {}),
      evidence: c.evidence,
    })),
  };
}

/** The base64 DER of the (first) certificate in a PEM file. */
function pemToBase64(file: string): string {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(
    readFileSync(file, 'utf8'),
  );
  if (!match) throw new Error(`${file} holds no PEM certificate`);
  return match[1]!.replace(/\s+/g, '');
}
