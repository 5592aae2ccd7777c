import type { Note } from '@proofline/note';
import {
  RecordError,
  formatBundle,
  parseBundle,
  parseTlogProof,
  type Bundle,
  type TlogProof,
} from '@proofline/records';
import { failed, passed, type StepResult } from '../checks.js';
import { VerificationError } from '../errors.js';

/**
 * Step 1 for a bundle: it is well-formed (records parseBundle: at most 2 MiB, strict JSON,
 * exactly the bundle members with the right types and bounds, id = "<log>-<index>", receipt
 * and checkpoint syntactically signed notes). A Bundle object is checked the same way, by a
 * round trip through its JSON text. Proves nothing about signatures or the log. `parsed`
 * gives parseNote's result for a note text when the caller has it (see parseBundle).
 */
export function bundleStep(
  input: unknown,
  parsed?: (note: string) => Note | undefined,
): StepResult<Bundle> {
  let bundle: Bundle;
  try {
    const json = typeof input === 'string' ? input : formatBundle(input as Bundle);
    bundle = parseBundle(json, parsed);
  } catch (cause) {
    const reason = cause instanceof RecordError ? cause.message : 'not a bundle';
    const error = new VerificationError(
      'MALFORMED_BUNDLE',
      'bundle',
      `the bundle is malformed: ${reason}`,
      { cause },
    );
    return { check: failed(error) };
  }
  const evidence = {
    id: bundle.id,
    log: bundle.log,
    origin: bundle.origin,
    index: String(bundle.index),
    entrySize: String(bundle.entry.length),
    proofLength: String(bundle.inclusionProof.length),
  };
  return {
    check: passed('bundle', `The bundle ${bundle.id} is well-formed.`, evidence),
    value: bundle,
  };
}

/** A tlog-proof that carries its entry in `extra`. */
export type EntryProof = TlogProof & { readonly extra: Uint8Array };

/**
 * Step 1 for a c2sp.org/tlog-proof@v1 text: it is well-formed (records parseTlogProof) and
 * carries the entry in `extra`, which this verifier needs (it is then authenticated by the
 * leaf hash). The checkpoint is only checked structurally here.
 */
export function tlogProofStep(text: unknown): StepResult<EntryProof> {
  let proof: TlogProof;
  try {
    proof = parseTlogProof(text as string);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    const error = new VerificationError(
      'MALFORMED_TLOG_PROOF',
      'bundle',
      `the tlog-proof is malformed: ${cause.message}`,
      { cause },
    );
    return { check: failed(error) };
  }
  const evidence = {
    index: String(proof.index),
    proofLength: String(proof.inclusionProof.length),
  };
  if (proof.extra === undefined) {
    const error = new VerificationError(
      'ENTRY_MISSING',
      'bundle',
      'the tlog-proof has no "extra" line, so it does not carry the entry',
      { evidence },
    );
    return { check: failed(error) };
  }
  return {
    check: passed('bundle', `The tlog-proof for index ${proof.index} is well-formed.`, {
      ...evidence,
      entrySize: String(proof.extra.length),
    }),
    value: proof as EntryProof,
  };
}
