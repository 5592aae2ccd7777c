import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ERASURE_TYPE,
  SCITT_STATEMENT_TYPE,
  canonicalJson,
  digestLookupKey,
  type Statement,
} from '@proofline/records';
import { BODY_LIMITS, parseBoundedJson } from '../src/bounded-json.js';
import { prepareBatch, type PreparedMessage } from '../src/records/prepared-batch.js';
import { checkStatement } from '../src/records/statement-check.js';
import { ServiceError } from '../src/service-error.js';

/*
 * prepareBatch (StatementPacker) against the path it replaced: checkStatement on each
 * statement, digestLookupKey, and the packing cut from the statements' RFC 8785 JSON. Every
 * byte, offset, key, issuer index and refusal must be the same, over valid and hostile values.
 */

/** The packing as packStatements documents it, cut from canonicalJson. */
function referencePack(statements: readonly Statement[]): {
  bytes: Uint8Array;
  offsets: Uint32Array;
} {
  const offsets = new Uint32Array(4 * statements.length);
  let text = '[';
  let size = 1;
  const add = (piece: string) => {
    text += piece;
    size += Buffer.byteLength(piece);
  };
  statements.forEach((s, i) => {
    const json = canonicalJson(s);
    const subject = s.subject === undefined ? '' : `,"subject":${JSON.stringify(s.subject)}`;
    const type = `,"type":${JSON.stringify(s.type)}`;
    add(i === 0 ? '{' : ',{');
    offsets[4 * i] = size;
    add(json.slice(1, json.length - 1 - subject.length - type.length));
    offsets[4 * i + 1] = size;
    add(subject);
    offsets[4 * i + 2] = size;
    add(type);
    offsets[4 * i + 3] = size;
    add('}');
  });
  return { bytes: new Uint8Array(Buffer.from(`${text}]`)), offsets };
}

/** prepareBatch as it was: checkStatement, digestLookupKey, referencePack. */
function referencePrepare(records: readonly unknown[]): PreparedMessage {
  const count = records.length;
  const statements: Statement[] = [];
  const keys = new Float64Array(count);
  const issuers: number[] = [];
  for (let i = 0; i < count; i++) {
    try {
      statements.push(checkStatement(records[i], i, true, undefined));
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      return { count, refusal: { message: err.message, field: String(err.details?.field) } };
    }
    keys[i] = digestLookupKey(statements[i]!.digest);
    if (statements[i]!.issuer) issuers.push(i);
  }
  return { count, ...referencePack(statements), keys, issuers };
}

function prng(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}

const hexRand = prng(99);
/** `n` pseudo-random lowercase hex digits. */
const hex = (n: number) => Array.from({ length: n }, () => hexRand(16).toString(16)).join('');
const ALGS = [
  ['sha256', 64],
  ['sha384', 96],
  ['sha512', 128],
] as const;
const NOT_STRINGS = [null, 0, 1.5, true, false, [], {}, ['x'], { a: 'b' }];
const SIG = Buffer.alloc(64, 7).toString('base64');

/** `s` with its character at `at` replaced by `c`. */
const put = (s: string, at: number, c: string) => s.slice(0, at) + c + s.slice(at + 1);

/** Digests: every algorithm, right and wrong. */
function digests(rand: (n: number) => number): unknown[] {
  const out: unknown[] = [...NOT_STRINGS, '', 'sha256:', 'x'.repeat(100_000)];
  for (const [alg, n] of ALGS) {
    const good = `${alg}:${hex(n)}`;
    out.push(good, good, good, `${alg}:${'0'.repeat(n)}`, `${alg}:${'f'.repeat(n)}`);
    out.push(good.slice(0, -1), `${good}0`, `${good}\n`, ` ${good}`, good.toUpperCase());
    for (const c of ['A', 'F', 'g', '/', ':', '`', '@', 'G', '\u0660', '\uff10', '\u00e9', '']) {
      out.push(put(good, 7 + rand(n), c), put(good, 7, c), put(good, good.length - 1, c));
    }
    for (const [other, m] of ALGS) if (m !== n) out.push(`${other}:${hex(n)}`);
    out.push(`${alg.toUpperCase()}:${hex(n)}`, `${alg}-${hex(n)}`, `${alg}::${hex(n - 1)}`);
    for (let k = 0; k < 7; k++) out.push(put(good, k, '1'), put(good, k, 'x'));
  }
  return out;
}

/** Type and name strings of `max` code units, right and wrong. */
function names(rand: (n: number) => number, max: number, parens: boolean): unknown[] {
  const chars = `abcXYZ019._:/-${parens ? '()' : ''}`;
  const word = (n: number) =>
    'a' + Array.from({ length: n - 1 }, () => chars[rand(chars.length)]).join('');
  const out: unknown[] = [...NOT_STRINGS, '', 'x'.repeat(100_000), '__proto__', 'constructor'];
  out.push('a', 'Z', '9', word(max), word(max + 1), word(5), word(12), word(30), 'SOC2:PI1.4');
  for (const c of '.-_:/()@[`{ ,+"\\\u00e9\u0000\u007f\ud800'.split('')) {
    out.push(`a${c}b`, `${c}ab`, `ab${c}`);
  }
  return out;
}

/** Statement text, right and wrong (`subject`, label values). */
function texts(): unknown[] {
  const out: unknown[] = [...NOT_STRINGS, '', 'x', 'order 7', 'caf\u00e9 "x" \\ y'];
  out.push('a'.repeat(256), 'a'.repeat(257), '\u{1F600}'.repeat(256), '\u{1F600}'.repeat(257));
  out.push('\u00e9'.repeat(256), '\u00e9'.repeat(257), 'x'.repeat(100_000), '\u2028\u2029\ufeff');
  out.push('\ud800', '\udc00', 'a\ud800b', 'a\udc00\ud800', '\ud83d', '\u{10FFFF}', '\uffff');
  for (let c = 0; c <= 0xa0; c++)
    if (c < 0x21 || c >= 0x7e) out.push(`x${String.fromCharCode(c)}y`);
  out.push('",\\"type\\":\\"x', '}', ',"subject":"', '\u0800\u07ff\u0080\u007f');
  return out;
}

function pick<T>(rand: (n: number) => number, xs: readonly T[]): T {
  return xs[rand(xs.length)]!;
}

/** A map of `labels` (text values) or `commitments` (digests), right and wrong. */
function map(rand: (n: number) => number, keys: unknown[], values: unknown[], good: () => unknown) {
  const size = [0, 1, 2, 3, 5, 31, 32, 33, 40][rand(9)]!;
  const out: Record<string, unknown> = rand(8) === 0 ? Object.create(null) : {};
  for (let k = 0; k < size; k++) {
    const bad = rand(6) === 0;
    const key = bad
      ? String(pick(rand, keys))
      : ['env', '10', '9', 'a.b', 'Z:z', `k${k}`][rand(6)]!;
    out[key] = bad ? pick(rand, values) : good();
  }
  if (rand(20) === 0) out.skipped = undefined;
  return out;
}

/** A random statement, mostly valid, sometimes hostile in one or more ways. */
function statementValue(rand: (n: number) => number, pools: Pools): unknown {
  if (rand(50) === 0)
    return pick(rand, [null, [], 'x', 7, new Map(), new Date(0), Object.create({})]);
  const bad = () => rand(8) === 0;
  const validDigest = () => {
    const [alg, n] = pick(rand, ALGS);
    return `${alg}:${hex(n)}`;
  };
  const fields: [string, unknown][] = [];
  if (rand(30) !== 0) fields.push(['digest', bad() ? pick(rand, pools.digests) : validDigest()]);
  if (rand(30) !== 0) {
    const type = bad()
      ? pick(rand, [...pools.types, ERASURE_TYPE, SCITT_STATEMENT_TYPE])
      : pick(rand, ['bench.event', 'ai.decision', 'x', 'a/b:c_d-e.f']);
    fields.push(['type', type]);
  }
  if (rand(2))
    fields.push(['subject', bad() ? pick(rand, pools.texts) : `item ${rand(1000)} \u00e9`]);
  if (rand(3) === 0) {
    const good = () => pick(rand, ['prod', '', 'caf\u00e9', '"q"', '\u{1F600}']);
    fields.push([
      'labels',
      bad() ? pick(rand, NOT_STRINGS) : map(rand, pools.keys, pools.texts, good),
    ]);
  }
  if (rand(4) === 0) {
    const good = () => `sha256:${hex(64)}`;
    const value = bad() ? pick(rand, NOT_STRINGS) : map(rand, pools.keys, pools.digests, good);
    fields.push(['commitments', value]);
  }
  if (rand(3) === 0)
    fields.push(['controls', bad() ? pick(rand, NOT_STRINGS) : controls(rand, pools)]);
  if (rand(5) === 0) fields.push(['issuer', issuer(rand)]);
  if (rand(25) === 0)
    fields.push([pick(rand, ['extra', 'Digest', 'tenant', 'schema', 'time']), 'x']);
  if (rand(25) === 0) fields.push([pick(rand, ['subject', 'labels', 'controls', 'issuer']), null]);
  if (rand(25) === 0) fields.push([pick(rand, ['subject', 'labels', 'extra']), undefined]);
  for (let k = fields.length - 1; k > 0; k--) {
    const j = rand(k + 1);
    [fields[k], fields[j]] = [fields[j]!, fields[k]!];
  }
  const out: Record<string, unknown> = rand(10) === 0 ? Object.create(null) : {};
  for (const [name, value] of fields) out[name] = value;
  return out;
}

function controls(rand: (n: number) => number, pools: Pools): unknown {
  const size = [0, 1, 2, 3, 32, 33][rand(6)]!;
  const out: unknown[] = [];
  for (let k = 0; k < size; k++) {
    out.push(
      rand(8) === 0 ? pick(rand, pools.controls) : pick(rand, ['SOC2:PI1.4', 'A(1)', `c${k}`]),
    );
  }
  if (rand(10) === 0 && out.length > 0) out.push(out[0]); // duplicate
  if (rand(30) === 0) out.length += 1; // a hole
  return out;
}

function issuer(rand: (n: number) => number): unknown {
  const keys = ['issuer.example+01234567', 'a+0123456', 'a+0123456G', '+01234567', 'a b+01234567'];
  keys.push(
    'a+ABCDEF01',
    `${'k'.repeat(247)}+01234567`,
    `${'k'.repeat(248)}+01234567`,
    'q"\\+deadbeef',
  );
  const sigs: unknown[] = [
    SIG,
    `${SIG.slice(0, 85)}B==`,
    SIG.slice(0, 84),
    `${SIG}A`,
    `${SIG}====`,
  ];
  sigs.push(Buffer.alloc(63).toString('base64'), Buffer.alloc(65).toString('base64'), 7, null);
  const out: Record<string, unknown> = {};
  if (rand(10) !== 0) out.key = rand(3) === 0 ? pick(rand, [...keys, ...NOT_STRINGS]) : keys[0];
  if (rand(10) !== 0) out.sig = rand(3) === 0 ? pick(rand, sigs) : SIG;
  if (rand(10) === 0) out[pick(rand, ['alg', 'kid', 'extra'])] = 'x';
  return rand(20) === 0 ? pick(rand, NOT_STRINGS) : out;
}

interface Pools {
  digests: unknown[];
  types: unknown[];
  keys: unknown[];
  controls: unknown[];
  texts: unknown[];
}

function pools(rand: (n: number) => number): Pools {
  return {
    digests: digests(rand),
    types: names(rand, 128, false),
    keys: names(rand, 64, false),
    controls: names(rand, 64, true),
    texts: texts(),
  };
}

/** Values whose every property read would throw: accessors must be refused, never run. */
function withGetters(): unknown[] {
  const trap = () => {
    throw new Error('getter ran');
  };
  const getter = (o: object, name: string) =>
    Object.defineProperty(o, name, { get: trap, enumerable: true });
  const digest = `sha256:${hex(64)}`;
  const controls = ['a'];
  getter(controls, '1');
  return [
    getter({ type: 't' }, 'digest'),
    getter({ digest, type: 't' }, 'subject'),
    { digest, type: 't', labels: getter({ a: 'b' }, 'c') },
    { digest, type: 't', controls },
    { digest, type: 't', issuer: getter({ key: 'issuer.example+01234567' }, 'sig') },
    JSON.parse(`{"digest":"${digest}","type":"t","__proto__":"x"}`),
    { digest, type: 't', labels: JSON.parse('{"__proto__":"x"}') },
  ];
}

/** Asserts prepareBatch and referencePrepare agree on `records`, and as the parser makes them. */
function assertSame(records: unknown[], what: string): void {
  const want = referencePrepare(records);
  assert.deepStrictEqual(prepareBatch({ records }), want, what);
  let text: string | undefined;
  try {
    text = JSON.stringify({ records });
  } catch {
    return;
  }
  const parsed = parseBoundedJson(text, BODY_LIMITS) as { records: unknown[] };
  assert.deepStrictEqual(
    prepareBatch(parsed),
    referencePrepare(parsed.records),
    `${what} (parsed)`,
  );
}

describe('prepareBatch against the path it replaced', () => {
  it('packs, keys and refuses every single statement exactly as before', () => {
    const rand = prng(20);
    const p = pools(rand);
    let valid = 0;
    for (let i = 0; i < 6000; i++) {
      const value = statementValue(rand, p);
      assertSame([value], `statement ${i}: ${String(JSON.stringify(value)).slice(0, 300)}`);
      if (!('refusal' in referencePrepare([value]))) valid++;
    }
    // Both sides are exercised.
    assert.ok(valid > 1500 && valid < 5000, `${valid} valid`);
  });

  it('agrees on each hostile value of every field', () => {
    const rand = prng(21);
    const p = pools(rand);
    const base = { digest: `sha512:${hex(128)}`, type: 't' };
    const cases: unknown[] = [...withGetters()];
    for (const digest of p.digests) cases.push({ ...base, digest });
    for (const type of [...p.types, ERASURE_TYPE, SCITT_STATEMENT_TYPE])
      cases.push({ ...base, type });
    for (const subject of p.texts) cases.push({ ...base, subject });
    for (const v of p.texts) cases.push({ ...base, labels: { a: v, b: 'x' } });
    for (const k of p.keys) cases.push({ ...base, labels: { [String(k)]: 'v' } });
    for (const k of p.keys)
      cases.push({ ...base, commitments: { [String(k)]: `sha256:${hex(64)}` } });
    for (const v of p.digests) cases.push({ ...base, commitments: { c: v } });
    for (const c of p.controls) cases.push({ ...base, controls: ['x', c] });
    for (let i = 0; i < 300; i++) cases.push({ ...base, issuer: issuer(rand) });
    for (const v of [...NOT_STRINGS, undefined]) {
      for (const name of ['subject', 'labels', 'commitments', 'controls', 'issuer', 'x']) {
        cases.push({ ...base, [name]: v });
      }
    }
    cases.forEach((value, i) => assertSame([value], `case ${i}`));
  });

  it('agrees on whole batches, valid and with a bad statement anywhere', () => {
    const rand = prng(22);
    const p = pools(rand);
    const valid = Array.from({ length: 3000 }, () => statementValue(rand, p)).filter(
      (v) => !('refusal' in referencePrepare([v])),
    );
    for (let b = 0; b < 24; b++) {
      const size = [1, 2, 10, 100, 1000][rand(5)]!;
      const records = Array.from({ length: size }, () => pick(rand, valid));
      assertSame(records, `valid batch ${b}`);
      records[rand(size)] = statementValue(rand, p);
      assertSame(records, `batch ${b}`);
    }
  });
});
