/**
 * The wire formats of c2sp.org/tlog-witness add-checkpoint: the request body, the 409 size
 * body and the 200 cosignature lines. Strict and bounded: every parser here takes untrusted
 * input.
 */
import { MAX_NOTE_SIZE, base64Decode, base64Encode } from '@proofline/note';
import { WitnessError } from './errors.js';

/** The client MUST NOT send more than 63 consistency proof lines. */
export const MAX_PROOF_LINES = 63;
/**
 * Bound on an add-checkpoint request body: the old size line ("old " + 16 digits + "\n"),
 * 63 proof lines of 45 bytes, the empty line, and a checkpoint note of MAX_NOTE_SIZE.
 */
export const MAX_REQUEST_SIZE = 21 + MAX_PROOF_LINES * 45 + 1 + MAX_NOTE_SIZE;
/** Bound on a response body a client reads from a witness. */
export const MAX_RESPONSE_SIZE = 64 * 1024;
/** The Content-Type of a 409 response (c2sp.org/tlog-witness §add-checkpoint). */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

/** Decimal with no leading zero (except "0"), at most 16 digits. */
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface AddCheckpointRequest {
  /** The tree size of the previous checkpoint the witness cosigned (0: none). */
  readonly oldSize: number;
  /** RFC 6962 consistency proof from oldSize to the checkpoint's size. */
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note, signature lines included. */
  readonly checkpoint: string;
}

function malformed(message: string): WitnessError {
  return new WitnessError('MALFORMED_REQUEST', message);
}

/** Parses a canonical decimal size that is a safe integer, or undefined. */
export function parseSize(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** "old <size>\n" + one base64 hash per line + "\n" + the checkpoint note. */
export function formatAddCheckpoint(request: AddCheckpointRequest): string {
  const { oldSize, proof, checkpoint } = request;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) {
    throw new WitnessError('INVALID_ARGUMENT', 'oldSize must be a safe integer >= 0');
  }
  if (proof.length > MAX_PROOF_LINES || proof.some((h) => h.length !== 32)) {
    throw new WitnessError('INVALID_ARGUMENT', 'a proof is at most 63 hashes of 32 bytes');
  }
  return `old ${oldSize}\n${proof.map((h) => `${base64Encode(h)}\n`).join('')}\n${checkpoint}`;
}

/**
 * Parses an add-checkpoint request body (c2sp.org/tlog-witness §add-checkpoint), strictly:
 * at most MAX_REQUEST_SIZE bytes of UTF-8; "old <size>\n" with a canonical decimal (no
 * leading zero) that is a safe integer; 0 to 63 lines of canonical base64 of exactly 32
 * bytes; an empty line; then the checkpoint note, which is returned unparsed (the note and
 * checkpoint parsers check it). Throws WitnessError MALFORMED_REQUEST.
 */
export function parseAddCheckpoint(body: Uint8Array | string): AddCheckpointRequest {
  let text: string;
  if (typeof body === 'string') {
    if (body.length > MAX_REQUEST_SIZE) throw malformed('request body too large');
    text = body;
  } else {
    if (body.length > MAX_REQUEST_SIZE) throw malformed('request body too large');
    try {
      text = decoder.decode(body);
    } catch {
      throw malformed('request body is not valid UTF-8');
    }
  }
  let pos = text.indexOf('\n');
  if (pos < 0) throw malformed('no old size line');
  const oldLine = text.slice(0, pos);
  if (!oldLine.startsWith('old ')) throw malformed('the first line is not "old <size>"');
  const oldSize = parseSize(oldLine.slice(4));
  if (oldSize === undefined) throw malformed('the old size is not a canonical decimal');
  pos++;
  const proof: Uint8Array[] = [];
  while (true) {
    const end = text.indexOf('\n', pos);
    if (end < 0) throw malformed('no empty line before the checkpoint');
    const line = text.slice(pos, end);
    pos = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) throw malformed('more than 63 consistency proof lines');
    if (line.length !== 44) throw malformed('a proof line is not a base64 32-byte hash');
    let hash: Uint8Array;
    try {
      hash = base64Decode(line);
    } catch {
      throw malformed('a proof line is not canonical base64');
    }
    if (hash.length !== 32) throw malformed('a proof line is not a 32-byte hash');
    proof.push(hash);
  }
  const checkpoint = text.slice(pos);
  if (checkpoint === '') throw malformed('no checkpoint');
  return Object.freeze({ oldSize, proof: Object.freeze(proof), checkpoint });
}

/** The 409 body: the tree size of the latest cosigned checkpoint and a newline. */
export function formatSizeBody(size: number): string {
  return `${size}\n`;
}

/** Parses a 409 body "<decimal>\n". Throws WitnessError MALFORMED_RESPONSE. */
export function parseSizeBody(body: string): number {
  const size = body.endsWith('\n') ? parseSize(body.slice(0, -1)) : undefined;
  if (size === undefined) {
    throw new WitnessError('MALFORMED_RESPONSE', 'a 409 body is "<decimal size>\\n"');
  }
  return size;
}

/**
 * Checks a 200 body: one or more note signature lines, each "— <name> <base64>\n", and
 * nothing else. Returns the lines (without newlines). Throws WitnessError MALFORMED_RESPONSE.
 * The signatures themselves are checked by appending the body to the checkpoint and opening
 * the note with the witness's verifier (as the spec suggests).
 */
export function splitCosignatureLines(body: string): string[] {
  if (!body.endsWith('\n') || body.length > MAX_RESPONSE_SIZE) {
    throw new WitnessError('MALFORMED_RESPONSE', 'cosignature lines must end in a newline');
  }
  const lines = body.slice(0, -1).split('\n');
  if (lines.some((line) => !line.startsWith('\u2014 '))) {
    throw new WitnessError('MALFORMED_RESPONSE', 'every line of a 200 body starts with "— "');
  }
  return lines;
}
