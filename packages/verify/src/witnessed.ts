import type { NoteSignature } from '@proofline/note';
import { cosignatureTimestamp } from '@proofline/note';
import type { TimestampBound } from './steps/timestamp.js';
import type { Check, Cosignature, ExistedBy } from './types.js';

/** 9999-12-31T23:59:59Z: the last second RFC 3339 can write. */
const MAX_RFC3339_SECONDS = 253_402_300_799n;

/** A POSIX timestamp (seconds) as RFC 3339 UTC, "2027-01-15T08:00:00Z"; undefined past 9999. */
export function rfc3339(seconds: bigint): string | undefined {
  if (seconds < 0n || seconds > MAX_RFC3339_SECONDS) return undefined;
  return new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The cosignature lines of a checkpoint note, in note order: every signature line whose
 * signature is a tlog-cosignature/v1 timestamped signature (72 bytes, timestamp at most
 * 2^63 - 1, which the log's own 64-byte Ed25519 signature never is) with a timestamp RFC 3339
 * can write. `verified` is true for the lines in `valid` (valid cosignatures by a witness of
 * the policy, see witnessesStep).
 */
export function cosignatureLines(
  signatures: readonly NoteSignature[],
  valid: ReadonlySet<NoteSignature>,
): Array<Cosignature & { readonly timestamp: bigint }> {
  const lines: Array<Cosignature & { readonly timestamp: bigint }> = [];
  for (const s of signatures) {
    const timestamp = cosignatureTimestamp(s.signature);
    const time = timestamp === undefined ? undefined : rfc3339(timestamp);
    if (timestamp === undefined || time === undefined) continue;
    lines.push({
      name: s.name,
      keyId: s.keyId.toString(16).padStart(8, '0'),
      time,
      verified: valid.has(s),
      timestamp,
    });
  }
  return lines;
}

/**
 * The earliest time at which the record provably existed, once the checkpoint and inclusion
 * checks passed (the record is in the tree the log signed), from
 * - witnesses, when the witnesses check passed (a quorum of trusted witnesses cosigned that
 *   tree): the earliest timestamp among the verified cosignatures (ties go to the first line
 *   in the note);
 * - RFC 3161 timestamps, when the timestamp check passed: the earliest genTime + accuracy
 *   among the verified tokens over the checkpoint text.
 * The earlier of the two wins (a witness on a tie).
 */
export function existedBy(
  lines: ReadonlyArray<Cosignature & { readonly timestamp: bigint }>,
  checks: readonly Check[],
  tsa?: TimestampBound,
): ExistedBy | undefined {
  const passed = (name: Check['name']) =>
    checks.some((c) => c.name === name && c.status === 'passed');
  if (!passed('checkpoint') || !passed('inclusion')) return undefined;
  let earliest: (Cosignature & { readonly timestamp: bigint }) | undefined;
  if (passed('witnesses')) {
    for (const line of lines) {
      if (line.verified && (earliest === undefined || line.timestamp < earliest.timestamp)) {
        earliest = line;
      }
    }
  }
  const stamped = passed('timestamp') ? tsa : undefined;
  if (
    stamped !== undefined &&
    (earliest === undefined || stamped.latestTimeMs < Number(earliest.timestamp) * 1000)
  ) {
    const time = new Date(stamped.latestTimeMs).toISOString().replace('.000Z', 'Z');
    return Object.freeze({ time, source: 'tsa', by: stamped.subject });
  }
  if (earliest === undefined) return undefined;
  return Object.freeze({ time: earliest.time, source: 'witness', by: earliest.name });
}
