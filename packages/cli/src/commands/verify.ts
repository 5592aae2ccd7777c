import { readFileSync } from 'node:fs';
import { tilePath } from '@proofline/tlog';
import {
  verifyBundle,
  verifyTlogProof,
  type TrustPolicy,
  type Verification,
} from '@proofline/verify';

export interface VerifyCommandOptions {
  readonly file: string;
  readonly logKey: string;
  readonly original?: string;
  readonly trustedCheckpoint?: string;
  /** Log prefix to fetch tiles from when a consistency proof is needed (online). */
  readonly logUrl?: string;
  readonly issuerKeys: readonly string[];
  readonly requireIssuer: boolean;
  /** Witness (cosignature/v1) verifier keys and how many must have cosigned. */
  readonly witnessKeys: readonly string[];
  readonly witnessQuorum?: number;
  /** PEM files of the RFC 3161 time-stamping roots to trust; `requireTimestamp` demands a token. */
  readonly tsaRoots: readonly string[];
  readonly requireTimestamp: boolean;
  readonly json: boolean;
}

const MARK = { passed: 'PASS', failed: 'FAIL', 'not-applicable': 'n/a ' } as const;

/**
 * `proofline verify`: checks a proof bundle (.json) or a tlog-proof file offline against the
 * log key; prints every check; exit 1 if any fails.
 */
export async function verifyCommand(o: VerifyCommandOptions): Promise<number> {
  const text = readFileSync(o.file, 'utf8');
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
  };
  const base = o.logUrl && (o.logUrl.endsWith('/') ? o.logUrl : `${o.logUrl}/`);
  const options = {
    ...(o.original ? { content: new Uint8Array(readFileSync(o.original)) } : {}),
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
  const verification = text.startsWith('c2sp.org/tlog-proof@v1\n')
    ? await verifyTlogProof(text, policy, options)
    : await verifyBundle(text, policy, options);
  if (o.json) {
    process.stdout.write(`${JSON.stringify(summarize(verification), null, 2)}\n`);
  } else {
    for (const check of verification.checks) {
      process.stdout.write(`${MARK[check.status]} ${check.name.padEnd(11)} ${check.summary}\n`);
      if (check.status === 'failed' && check.error) {
        process.stdout.write(`     ${' '.repeat(11)} [${check.error.code}]\n`);
      }
    }
    process.stdout.write(
      verification.ok
        ? `VERIFIED record ${verification.index} of ${verification.checkpoint?.origin}\n`
        : 'NOT VERIFIED\n',
    );
  }
  return verification.ok ? 0 : 1;
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
