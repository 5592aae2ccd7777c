/**
 * Witness quorum policies: c2sp.org/tlog-policy text (log, witness, group and quorum lines)
 * and the simple "k of these n witnesses" policy.
 */
import { SIG_TYPE_COSIGNATURE, parseVerifierKey, type Ed25519Verifier } from '@proofline/note';
import { WitnessError } from './errors.js';

/** A witness of a policy. */
export interface PolicyWitness {
  /** Its name in the policy (an opaque octet string; for k-of-n policies, its key name). */
  readonly name: string;
  readonly verifier: Ed25519Verifier;
  /** Its submission prefix (c2sp.org/tlog-witness), if the policy gives one. */
  readonly url?: string;
}

/** A log of a policy. */
export interface PolicyLog {
  readonly verifier: Ed25519Verifier;
  readonly url?: string;
}

/** A quorum rule: a single witness, or a group that needs `threshold` of its members. */
export type QuorumRule =
  | { readonly kind: 'witness'; readonly name: string }
  | {
      readonly kind: 'group';
      readonly name: string;
      readonly threshold: number;
      readonly members: readonly QuorumRule[];
    };

export interface WitnessPolicy {
  readonly logs: readonly PolicyLog[];
  readonly witnesses: readonly PolicyWitness[];
  /** undefined: `quorum none` (no cosignature is required). */
  readonly quorum: QuorumRule | undefined;
  /** Whether cosignatures by the witnesses named in `cosigned` satisfy the quorum. */
  satisfied(cosigned: ReadonlySet<string>): boolean;
}

/** Bounds (the spec asks implementations to support at least 32 of each). */
const MAX_POLICY_SIZE = 256 * 1024;
const MAX_ENTRIES = 256;

function invalid(line: number, message: string, cause?: unknown): WitnessError {
  return new WitnessError(
    'INVALID_POLICY',
    line > 0 ? `policy line ${line}: ${message}` : message,
    { cause },
  );
}

function evaluate(rule: QuorumRule, cosigned: ReadonlySet<string>): boolean {
  if (rule.kind === 'witness') return cosigned.has(rule.name);
  let count = 0;
  for (const member of rule.members) {
    if (evaluate(member, cosigned) && ++count >= rule.threshold) return true;
  }
  return false;
}

function makePolicy(
  logs: PolicyLog[],
  witnesses: PolicyWitness[],
  quorum: QuorumRule | undefined,
): WitnessPolicy {
  return Object.freeze({
    logs: Object.freeze(logs),
    witnesses: Object.freeze(witnesses),
    quorum,
    satisfied: (cosigned: ReadonlySet<string>) =>
      quorum === undefined ? true : evaluate(quorum, cosigned),
  });
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Decodes a token of latin1 code units (octets) as strict UTF-8. */
function utf8Token(token: string, line: number, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(token, 'latin1'));
  } catch {
    throw invalid(line, `${what} is not valid UTF-8`);
  }
}

function checkUrl(url: string, line: number): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(line, `invalid URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(line, 'a URL must be http or https');
  }
  return url;
}

/**
 * Parses a c2sp.org/tlog-policy file. Lines end in newline; items are separated by spaces
 * and tabs only; empty lines and `#` comments are ignored. Supported lines:
 * - `log <vkey> [<url>]`: an Ed25519 (0x01) log verifier key; no duplicate public keys;
 * - `witness <name> <vkey> [<url>]`: a cosignature/v1 (0x04) witness key; no duplicate
 *   public keys or names;
 * - `group <name> all|any|<k> <name>...`: 1 <= k <= n, members defined on earlier lines and
 *   listed at most once (`none` is not a member);
 * - `quorum <name>`: exactly one, naming an earlier witness or group, or `none`.
 * Octets 0x09, 0x0A, 0x20-0x7E and 0x80-0xFF only; names are opaque octet strings (kept as
 * latin1 code units); keys and URLs must be UTF-8. Throws WitnessError INVALID_POLICY.
 */
export function parsePolicy(input: string | Uint8Array): WitnessPolicy {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_POLICY_SIZE) {
    throw invalid(0, `a policy is at most ${MAX_POLICY_SIZE} bytes`);
  }
  for (const b of bytes) {
    if (b !== 0x09 && b !== 0x0a && (b < 0x20 || b === 0x7f)) {
      throw invalid(0, `forbidden octet 0x${b.toString(16).padStart(2, '0')} in policy`);
    }
  }
  const text = Buffer.from(bytes).toString('latin1');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else if (text !== '') throw invalid(lines.length, 'the last line does not end in newline');

  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const names = new Map<string, QuorumRule>();
  const publicKeys = new Set<string>();
  let quorum: QuorumRule | undefined | null = null;

  lines.forEach((raw, i) => {
    const n = i + 1;
    const items = raw.split(/[ \t]+/).filter((item) => item !== '');
    if (items.length === 0 || items[0]!.startsWith('#')) return;
    const [keyword, ...args] = items as [string, ...string[]];
    switch (keyword) {
      case 'log': {
        if (args.length < 1 || args.length > 2) throw invalid(n, 'log <vkey> [<url>]');
        let verifier: Ed25519Verifier;
        try {
          verifier = parseVerifierKey(utf8Token(args[0]!, n, 'the log key'));
        } catch (cause) {
          throw invalid(n, `invalid log key: ${(cause as Error).message}`, cause);
        }
        const id = `log ${hex(verifier.publicKey)}`;
        if (publicKeys.has(id)) throw invalid(n, 'duplicate log key');
        publicKeys.add(id);
        const url = args[1] === undefined ? undefined : checkUrl(utf8Token(args[1], n, 'URL'), n);
        logs.push(Object.freeze({ verifier, ...(url ? { url } : {}) }));
        break;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) throw invalid(n, 'witness <name> <vkey> [<url>]');
        const name = args[0]!;
        if (name === 'none' || names.has(name)) throw invalid(n, `name ${name} already defined`);
        let verifier: Ed25519Verifier;
        try {
          verifier = parseVerifierKey(
            utf8Token(args[1]!, n, 'the witness key'),
            SIG_TYPE_COSIGNATURE,
          );
        } catch (cause) {
          throw invalid(n, `invalid witness key: ${(cause as Error).message}`, cause);
        }
        const id = `witness ${hex(verifier.publicKey)}`;
        if (publicKeys.has(id)) throw invalid(n, 'duplicate witness key');
        publicKeys.add(id);
        const url = args[2] === undefined ? undefined : checkUrl(utf8Token(args[2], n, 'URL'), n);
        witnesses.push(Object.freeze({ name, verifier, ...(url ? { url } : {}) }));
        names.set(name, Object.freeze({ kind: 'witness', name }));
        break;
      }
      case 'group': {
        if (args.length < 3) throw invalid(n, 'group <name> all|any|<k> <name>...');
        const [name, k, ...memberNames] = args as [string, string, ...string[]];
        if (name === 'none' || names.has(name)) throw invalid(n, `name ${name} already defined`);
        const seen = new Set<string>();
        const members = memberNames.map((member) => {
          const rule = names.get(member);
          if (rule === undefined) throw invalid(n, `${member} is not defined on an earlier line`);
          if (seen.has(member)) throw invalid(n, `${member} is listed twice`);
          seen.add(member);
          return rule;
        });
        let threshold: number;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else if (/^[1-9][0-9]{0,5}$/.test(k) && Number(k) <= members.length) threshold = Number(k);
        else throw invalid(n, `the threshold must be all, any or 1..${members.length}`);
        names.set(name, Object.freeze({ kind: 'group', name, threshold, members }));
        break;
      }
      case 'quorum': {
        if (args.length !== 1) throw invalid(n, 'quorum <name>');
        if (quorum !== null) throw invalid(n, 'more than one quorum line');
        if (args[0] === 'none') {
          quorum = undefined;
          break;
        }
        const rule = names.get(args[0]!);
        if (rule === undefined) throw invalid(n, `${args[0]} is not defined on an earlier line`);
        quorum = rule;
        break;
      }
      default:
        throw invalid(n, `unknown line type ${JSON.stringify(keyword)}`);
    }
    if (logs.length > MAX_ENTRIES || names.size > MAX_ENTRIES) {
      throw invalid(n, `more than ${MAX_ENTRIES} logs or names`);
    }
  });
  if (quorum === null) throw invalid(0, 'the policy has no quorum line');
  return makePolicy(logs, witnesses, quorum);
}

/** A witness given by URL and cosignature/v1 verifier key, for thresholdPolicy. */
export interface WitnessEndpoint {
  readonly url: string;
  readonly verifierKey: string;
}

/**
 * "Any `k` of these witnesses": each witness is named by its key name (which must be
 * distinct), and the quorum is a group of all of them with threshold `k` (1 <= k <= n).
 * Throws WitnessError INVALID_POLICY.
 */
export function thresholdPolicy(endpoints: readonly WitnessEndpoint[], k: number): WitnessPolicy {
  if (endpoints.length === 0 || endpoints.length > MAX_ENTRIES) {
    throw invalid(0, `give 1 to ${MAX_ENTRIES} witnesses`);
  }
  if (!Number.isSafeInteger(k) || k < 1 || k > endpoints.length) {
    throw invalid(0, `the quorum must be an integer from 1 to ${endpoints.length}`);
  }
  const names = new Set<string>();
  const publicKeys = new Set<string>();
  const witnesses = endpoints.map((e, i) => {
    let verifier: Ed25519Verifier;
    try {
      verifier = parseVerifierKey(e.verifierKey, SIG_TYPE_COSIGNATURE);
    } catch (cause) {
      throw invalid(0, `witness ${i + 1}: ${(cause as Error).message}`, cause);
    }
    if (names.has(verifier.name) || publicKeys.has(hex(verifier.publicKey))) {
      throw invalid(0, `witness ${i + 1}: duplicate key name or public key`);
    }
    names.add(verifier.name);
    publicKeys.add(hex(verifier.publicKey));
    return Object.freeze({ name: verifier.name, verifier, url: checkUrl(e.url, 0) });
  });
  const quorum: QuorumRule = Object.freeze({
    kind: 'group',
    name: 'quorum',
    threshold: k,
    members: Object.freeze(witnesses.map((w) => Object.freeze({ kind: 'witness', name: w.name }))),
  });
  return makePolicy([], witnesses, quorum);
}
