import { base64Encode, exceedsUtf8Size, isNoteSafe, MAX_NOTE_SIZE } from '@proofline/note';
import { decodeBase64, decodeHash, isHash } from './base64.js';
import { MAX_PROOF_HASHES, checkBundle, type Bundle } from './bundle.js';
import { RecordError, pointer, type RecordErrorCode } from './errors.js';
import { isIndex, parseIndex } from './record-id.js';

/** Bound on the UTF-8 size of a tlog-proof text. */
export const MAX_TLOG_PROOF_SIZE = 256 * 1024;

const HEADER = 'c2sp.org/tlog-proof@v1';

/**
 * A c2sp.org/tlog-proof@v1 proof, an offline-verifiable proof that an entry is in a log:
 *
 *     c2sp.org/tlog-proof@v1
 *     extra <standard base64 of opaque extra data>     (optional line)
 *     index <decimal, no leading zeros>
 *     <inclusion proof hashes, one base64 per line, from the leaf's sibling up>
 *
 *     <checkpoint note, verbatim>
 *
 * Proofline always puts the entry bytes in `extra`, so the proof is self-contained; `extra`
 * is not authenticated, so a verifier checks that its leaf hash is the proven leaf.
 */
export interface TlogProof {
  readonly extra?: Uint8Array;
  readonly index: number;
  readonly inclusionProof: readonly Uint8Array[];
  /** The checkpoint note text, signatures included. */
  readonly checkpoint: string;
}

/**
 * Why `checkpoint` is not shaped like a signed checkpoint note; undefined when it is. Purely
 * structural, so that the spec's example (whose signatures read `[...]`) is accepted: at most
 * MAX_NOTE_SIZE bytes, starting with a non-empty line, ending in newline, no C0 control
 * character but newline, no lone surrogate, and a blank line before the signatures. Note
 * syntax, signatures and the checkpoint body are checked when the proof is verified
 * (@proofline/note openCheckpoint).
 */
function checkpointProblem(checkpoint: string): string | undefined {
  if (exceedsUtf8Size(checkpoint, MAX_NOTE_SIZE)) return `exceeds ${MAX_NOTE_SIZE} bytes`;
  if (checkpoint === '' || checkpoint.startsWith('\n')) return 'must start with a non-empty line';
  if (!checkpoint.endsWith('\n')) return 'must end in newline';
  if (!isNoteSafe(checkpoint)) return 'control character or lone surrogate';
  if (!checkpoint.includes('\n\n')) return 'no blank line before the signatures';
  return undefined;
}

function checkTlogProof(p: TlogProof, code: RecordErrorCode): void {
  const fail = (field: string, message: string): RecordError =>
    new RecordError(code, message, { field });
  if (p.extra !== undefined && !(p.extra instanceof Uint8Array)) {
    throw fail('/extra', 'must be a Uint8Array');
  }
  if (!isIndex(p.index)) throw fail('/index', 'must be a safe non-negative integer');
  if (!Array.isArray(p.inclusionProof)) throw fail('/inclusionProof', 'must be an array');
  if (p.inclusionProof.length > MAX_PROOF_HASHES) {
    throw fail('/inclusionProof', `more than ${MAX_PROOF_HASHES} hashes`);
  }
  p.inclusionProof.forEach((h, i) => {
    if (!isHash(h)) throw fail(pointer('/inclusionProof', i), 'must be a 32-byte hash');
  });
  if (typeof p.checkpoint !== 'string') throw fail('/checkpoint', 'must be a string');
  const problem = checkpointProblem(p.checkpoint);
  if (problem !== undefined) throw fail('/checkpoint', problem);
}

/** The c2sp.org/tlog-proof@v1 text of `p`. Throws RecordError INVALID_ARGUMENT. */
export function formatTlogProof(p: TlogProof): string {
  checkTlogProof(p, 'INVALID_ARGUMENT');
  const extra = p.extra === undefined ? '' : `extra ${base64Encode(p.extra)}\n`;
  const hashes = p.inclusionProof.map((h) => `${base64Encode(h)}\n`).join('');
  const text = `${HEADER}\n${extra}index ${p.index}\n${hashes}\n${p.checkpoint}`;
  if (exceedsUtf8Size(text, MAX_TLOG_PROOF_SIZE)) {
    throw new RecordError('INVALID_ARGUMENT', `tlog-proof exceeds ${MAX_TLOG_PROOF_SIZE} bytes`);
  }
  return text;
}

/**
 * Parses a c2sp.org/tlog-proof@v1 text (see TlogProof), strictly and within bounds: at most
 * MAX_TLOG_PROOF_SIZE bytes (checked first); lines separated by LF only; the header line; an
 * optional `extra` line of canonical base64 (possibly empty data); an `index` line without
 * leading zeros; at most 63 hash lines of canonical base64 of 32 bytes; an empty line; then
 * the checkpoint, checked structurally only (see checkpointProblem), so this function does
 * not verify anything. Throws RecordError INVALID_TLOG_PROOF.
 */
export function parseTlogProof(text: string): TlogProof {
  const fail = (message: string, field?: string): RecordError =>
    new RecordError('INVALID_TLOG_PROOF', message, field === undefined ? {} : { field });
  if (typeof text !== 'string') throw fail('must be a string');
  if (exceedsUtf8Size(text, MAX_TLOG_PROOF_SIZE)) {
    throw fail(`exceeds ${MAX_TLOG_PROOF_SIZE} bytes`);
  }
  const split = text.indexOf('\n\n');
  if (split < 0) throw fail('no empty line before the checkpoint');
  // Header, optional extra, index and hash lines: at most 3 + MAX_PROOF_HASHES.
  const lines = text.slice(0, split).split('\n', 4 + MAX_PROOF_HASHES);
  if (lines[0] !== HEADER) throw fail(`first line must be ${HEADER}`);
  let next = 1;
  let extra: Uint8Array | undefined;
  if (lines[next]?.startsWith('extra ')) {
    const data = (lines[next] as string).slice('extra '.length);
    extra = decodeBase64(data, MAX_TLOG_PROOF_SIZE, 'INVALID_TLOG_PROOF', '/extra');
    next++;
  }
  const indexLine = lines[next] ?? '';
  const index = indexLine.startsWith('index ') ? parseIndex(indexLine.slice(6)) : undefined;
  if (index === undefined) {
    throw fail('expected "index <decimal without leading zeros>"', '/index');
  }
  const hashLines = lines.slice(next + 1);
  if (hashLines.length > MAX_PROOF_HASHES) {
    throw fail(`more than ${MAX_PROOF_HASHES} hashes`, '/inclusionProof');
  }
  const inclusionProof = Object.freeze(
    hashLines.map((line, i) =>
      decodeHash(line, 'INVALID_TLOG_PROOF', () => pointer('/inclusionProof', i)),
    ),
  );
  const checkpoint = text.slice(split + 2);
  const problem = checkpointProblem(checkpoint);
  if (problem !== undefined) throw fail(problem, '/checkpoint');
  return Object.freeze(
    extra === undefined
      ? { index, inclusionProof, checkpoint }
      : { extra, index, inclusionProof, checkpoint },
  );
}

/**
 * The tlog-proof of a bundle: `extra` is the entry, so the proof is self-contained, and the
 * inclusion proof and checkpoint are the bundle's own: for a v2 bundle the anchor (the first
 * checkpoint that covered the record, whose cosignatures bound when it existed), never
 * `latest`, which a tlog-proof has no room to link (its consistency proof and RFC 3161
 * tokens, like every bundle's receipt, are left out). Throws RecordError INVALID_ARGUMENT if
 * `b` is not a valid bundle.
 */
export function bundleToTlogProof(b: Bundle): TlogProof {
  checkBundle(b, 'INVALID_ARGUMENT');
  return Object.freeze({
    extra: b.entry,
    index: b.index,
    inclusionProof: b.inclusionProof,
    checkpoint: b.checkpoint,
  });
}
