import type { BundleTimestamp } from '@proofline/records';
import { failed, notApplicable, passed, type StepResult } from '../checks.js';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';
import type { VerifiedCheckpoint } from './checkpoint.js';

const encoder = new TextEncoder();

/**
 * @proofline/timestamp (and pkijs with it, most of a browser bundle's size), loaded on first
 * use: only bundles that carry timestamps, verified with a policy that has TSA roots, need it.
 */
let timestampModule: Promise<typeof import('@proofline/timestamp')> | undefined;
function loadTimestamp(): Promise<typeof import('@proofline/timestamp')> {
  timestampModule ??= import('@proofline/timestamp').catch((error: unknown) => {
    timestampModule = undefined; // let a later call try again (a browser chunk may fail to load)
    throw error;
  });
  return timestampModule;
}

/** The earliest bound a verified token gives. */
export interface TimestampBound {
  /** genTime + accuracy, ms since the epoch. */
  readonly latestTimeMs: number;
  /** The TSA certificate's subject. */
  readonly subject: string;
}

/**
 * Step 'timestamp': the bundle's RFC 3161 tokens are over the verified checkpoint's note text
 * and verify (CMS signature, ESS signing certificate, timeStamping EKU, path to one of the
 * policy's TSA roots valid at genTime, imprint = hash(text), genTime not in the future).
 * Passed when at least one does: the checkpoint, and so every record it includes, existed no
 * later than that token's genTime + accuracy. Without TSA roots in the policy, or without
 * tokens, 'not-applicable'; when none verifies, 'failed' if the policy requires a timestamp,
 * else 'not-applicable' (reported, not judged). The value is the earliest bound.
 */
export async function timestampStep(
  tokens: readonly BundleTimestamp[] | undefined,
  verified: VerifiedCheckpoint,
  policy: ResolvedPolicy,
): Promise<StepResult<TimestampBound>> {
  const roots = policy.tsaRoots;
  if (roots === undefined) {
    return {
      check: notApplicable(
        'timestamp',
        'No timestamp authorities in the policy: timestamps were not checked.',
      ),
    };
  }
  if (tokens === undefined || tokens.length === 0) {
    const summary = 'The bundle carries no RFC 3161 timestamp.';
    if (!policy.requireTimestamp) return { check: notApplicable('timestamp', summary) };
    const error = new VerificationError(
      'TIMESTAMP_MISSING',
      'timestamp',
      `${summary} One is required.`,
      {
        evidence: { tokens: '0' },
      },
    );
    return { check: failed(error) };
  }
  const { TimestampError, verifyToken } = await loadTimestamp();
  const data = encoder.encode(verified.text);
  const outcomes = await Promise.all(
    tokens.map(async (t) => {
      try {
        return { tsa: t.tsa, ok: await verifyToken(t.token, { data, trustedRoots: [...roots] }) };
      } catch (err) {
        if (err instanceof TimestampError && err.code === 'INVALID_ARGUMENT') {
          throw new VerificationError(
            'INVALID_POLICY',
            'bundle',
            `invalid TrustPolicy: timestampAuthorities.roots: ${err.message}`,
            { cause: err },
          );
        }
        const code = err instanceof TimestampError ? err.code : 'MALFORMED';
        return { tsa: t.tsa, error: code };
      }
    }),
  );
  const evidence: Record<string, string> = { tokens: String(tokens.length) };
  let best: TimestampBound | undefined;
  let valid = 0;
  outcomes.forEach((o, i) => {
    const label = `token ${i} (${o.tsa})`;
    if (o.ok === undefined) {
      evidence[label] = `invalid: ${o.error}`;
      return;
    }
    valid++;
    const latestTimeMs = o.ok.latestTime.getTime();
    evidence[label] =
      `verified: ${o.ok.tsaSubject}, serial ${o.ok.serialNumber}, genTime ${o.ok.genTime.toISOString()}` +
      (o.ok.accuracyMs === undefined ? '' : `, accuracy ${o.ok.accuracyMs} ms`);
    if (best === undefined || latestTimeMs < best.latestTimeMs) {
      best = { latestTimeMs, subject: o.ok.tsaSubject };
    }
  });
  evidence.validTokens = String(valid);
  if (best === undefined) {
    const summary = `None of the ${tokens.length} RFC 3161 timestamps verifies for the checkpoint with the trusted authorities.`;
    if (!policy.requireTimestamp) return { check: notApplicable('timestamp', summary, evidence) };
    return {
      check: failed(new VerificationError('TIMESTAMP_INVALID', 'timestamp', summary, { evidence })),
    };
  }
  return {
    check: passed(
      'timestamp',
      `${valid} of ${tokens.length} RFC 3161 timestamps of the checkpoint verify with the trusted authorities.`,
      evidence,
    ),
    value: best,
  };
}
