import type { NoteSignature } from '@proofline/note';
import { failed, keyLabel, passed, type StepResult } from '../checks.js';
import { cosignatureTimestamp } from '@proofline/note';
import { VerificationError } from '../errors.js';
import type { ResolvedPolicy } from '../policy.js';
import type { Check } from '../types.js';
import type { VerifiedCheckpoint } from './checkpoint.js';

const encoder = new TextEncoder();

/**
 * Step 8: at least `quorum` of the policy's witnesses (distinct public keys) put a valid
 * c2sp.org/tlog-cosignature/v1 Ed25519 cosignature on the verified checkpoint. Each
 * witness counts once; signature lines of other keys are ignored; an invalid cosignature
 * does not count. Proves that many independent parties saw this tree as the log's latest
 * consistent one at their timestamps, which makes a split view (a fork shown to some
 * verifiers only) need their collusion. Timestamps are reported, not judged.
 *
 * `signatures` are the note's signature lines (parseNote). The value is the set of those
 * lines (by identity) that are valid cosignatures by a witness of the policy.
 */
export async function witnessesStep(
  signatures: readonly NoteSignature[],
  verified: VerifiedCheckpoint,
  witnesses: NonNullable<ResolvedPolicy['witnesses']>,
): Promise<StepResult<ReadonlySet<NoteSignature>>> {
  const message = encoder.encode(verified.text);
  const validLines = new Set<NoteSignature>();
  const outcomes = await Promise.all(
    witnesses.verifiers.map(async (witness) => {
      const lines = signatures.filter((s) => s.name === witness.name && s.keyId === witness.keyId);
      const valid = await Promise.all(lines.map((l) => witness.verify(message, l.signature)));
      lines.forEach((l, i) => {
        if (valid[i]) validLines.add(l);
      });
      const line = lines.find((_, i) => valid[i]);
      const time = line === undefined ? undefined : cosignatureTimestamp(line.signature);
      const outcome =
        time !== undefined
          ? `cosigned, time ${time}`
          : lines.length > 0
            ? 'invalid cosignature'
            : 'no cosignature';
      return [`witness ${keyLabel(witness.name, witness.keyId)}`, outcome, time] as const;
    }),
  );
  const valid = outcomes.filter(([, , time]) => time !== undefined).length;
  const evidence: Record<string, string> = {
    quorum: String(witnesses.quorum),
    witnesses: String(witnesses.verifiers.length),
    validCosignatures: String(valid),
    ...Object.fromEntries(outcomes.map(([label, outcome]) => [label, outcome])),
  };
  if (valid < witnesses.quorum) {
    const error = new VerificationError(
      'WITNESS_QUORUM_NOT_MET',
      'witnesses',
      `${valid} of the ${witnesses.verifiers.length} trusted witnesses cosigned the checkpoint, fewer than the quorum of ${witnesses.quorum}`,
      { evidence },
    );
    return { check: failed(error), value: validLines };
  }
  const check: Check = passed(
    'witnesses',
    `${valid} of the ${witnesses.verifiers.length} trusted witnesses cosigned the checkpoint (quorum ${witnesses.quorum}).`,
    evidence,
  );
  return { check, value: validLines };
}
