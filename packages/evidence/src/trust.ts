import { base64Encode, cosignatureTimestamp, parseNote } from '@proofline/note';
import type { BundleTimestamp } from '@proofline/records';
import { readTokenTime } from '@proofline/timestamp';
import { cosignatureVerifier, type TrustPolicy } from '@proofline/verify';
import { EvidenceError } from './errors.js';

/**
 * What a package is verified against beyond the log key: witnesses (k of n cosignature keys)
 * and RFC 3161 time-stamping roots, exactly as in @proofline/verify's TrustPolicy.
 */
export type EvidenceTrust = Pick<
  TrustPolicy,
  'witnesses' | 'timestampAuthorities' | 'requireTimestamp'
>;

/** A cosignature line of a checkpoint, as the package carries it (not verified here). */
export interface CosignatureLine {
  readonly name: string;
  /** 8 lowercase hex digits. */
  readonly keyId: string;
  /** The cosignature's timestamp, RFC 3339 UTC. */
  readonly time: string;
}

/** An RFC 3161 token as the package carries it: its label and the time it states. */
export interface TokenTime {
  /** The bundle's label of the authority (display only). */
  readonly tsa: string;
  /** genTime as the token states it (RFC 3339 UTC), or why it cannot be read. */
  readonly genTime: string;
}

const MAX_RFC3339_SECONDS = 253_402_300_799n;
const encoder = new TextEncoder();

/**
 * The cosignature lines of a checkpoint note in note order: signature lines whose signature is
 * a tlog-cosignature/v1 timestamped signature (72 bytes; the log's own is 64). Display only:
 * whether a line is a valid cosignature by a trusted witness is `witnessesOf`'s question.
 */
export function cosignatureLines(note: string): CosignatureLine[] {
  return parseNote(note).signatures.flatMap((s) => {
    const seconds = cosignatureTimestamp(s.signature);
    if (seconds === undefined || seconds > MAX_RFC3339_SECONDS) return [];
    return [
      {
        name: s.name,
        keyId: s.keyId.toString(16).padStart(8, '0'),
        time: new Date(Number(seconds) * 1000).toISOString().replace('.000Z', 'Z'),
      },
    ];
  });
}

/**
 * The distinct RFC 3161 tokens of `timestamps` lists, in order, with the genTime each states.
 * Not verified: `@proofline/verify` checks them against the trusted roots.
 */
export function tokenTimes(
  lists: readonly (readonly BundleTimestamp[] | undefined)[],
): TokenTime[] {
  const seen = new Set<string>();
  const out: TokenTime[] = [];
  for (const t of lists.flatMap((l) => l ?? [])) {
    const key = `${t.tsa} ${base64Encode(t.token)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let genTime: string;
    try {
      genTime = readTokenTime(t.token).genTime.toISOString();
    } catch (err) {
      genTime = `unreadable token: ${(err as Error).message}`;
    }
    out.push({ tsa: t.tsa, genTime });
  }
  return out;
}

/**
 * Checks `trust` before anything is verified with it: a quorum from 1 to the number of
 * witness keys, keys that load as cosignature (0x04) keys and are distinct (also as public
 * keys: one key under two names must not count twice), and `requireTimestamp` only with
 * TSA roots (which @proofline/verify checks further). Throws EvidenceError INVALID_ARGUMENT.
 */
export function checkTrust(trust: EvidenceTrust): void {
  const bad = (message: string, cause?: unknown) =>
    new EvidenceError('INVALID_ARGUMENT', message, { cause });
  if (trust.requireTimestamp && !trust.timestampAuthorities) {
    throw bad('requiring a timestamp needs the TSA roots to check it with');
  }
  const w = trust.witnesses;
  if (!w) return;
  if (w.keys.length === 0 || !Number.isSafeInteger(w.quorum) || w.quorum < 1) {
    throw bad('a witness policy needs witness keys and a quorum of at least 1');
  }
  if (w.quorum > w.keys.length) {
    throw bad(`a quorum of ${w.quorum} cannot be met by ${w.keys.length} witness keys`);
  }
  for (const k of w.keys) {
    try {
      cosignatureVerifier(k);
    } catch (err) {
      throw bad(`witness key ${k}: ${(err as Error).message}`, err);
    }
  }
  const publicKeys = new Set(w.keys.map((k) => k.slice(k.lastIndexOf('+') + 1)));
  if (publicKeys.size !== w.keys.length) throw bad('a witness key is given twice');
}

/**
 * The trusted witnesses (`name+keyid`) with a valid cosignature on `note`, and those without.
 * Each key counts once however many lines it has; lines of other keys count as nothing.
 */
export async function witnessesOf(
  note: string,
  keys: readonly string[],
): Promise<{ cosigned: string[]; missing: string[] }> {
  const parsed = parseNote(note);
  const text = encoder.encode(parsed.text);
  const cosigned: string[] = [];
  const missing: string[] = [];
  for (const key of keys) {
    const v = cosignatureVerifier(key);
    const label = `${v.name}+${v.keyId.toString(16).padStart(8, '0')}`;
    const lines = parsed.signatures.filter((s) => s.name === v.name && s.keyId === v.keyId);
    const valid = await Promise.all(lines.map((l) => v.verify(text, l.signature)));
    (valid.includes(true) ? cosigned : missing).push(label);
  }
  return { cosigned, missing };
}
