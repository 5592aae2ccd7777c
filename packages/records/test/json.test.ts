import assert from 'node:assert/strict';
import test from 'node:test';
import { RecordError, parseJson } from '../src/index.js';
import { pointer } from '../src/errors.js';

/** findDuplicateName as it was before the code-unit scan (2026-12-08): the reference. */
function referenceDuplicate(text: string): string | undefined {
  const stack: { path: string; names: Set<string> | null; current: string | number }[] = [];
  const stringEnd = (start: number): number => {
    let i = start + 1;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i;
  };
  const skip = (start: number): number => {
    let i = start;
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
    return i;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      const end = stringEnd(i);
      if (top?.names && text[skip(end + 1)] === ':') {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.names.has(name)) return pointer(top.path, name);
        top.names.add(name);
        top.current = name;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      const path = top === undefined ? '' : pointer(top.path, top.current);
      stack.push({ path, names: c === '{' ? new Set() : null, current: 0 });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top !== undefined && top.names === null) {
      top.current = (top.current as number) + 1;
    }
  }
  return undefined;
}

/** A small deterministic generator (xorshift32). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const NAMES = [
  'a',
  'b',
  '\\u0061',
  'a/b',
  'a~b',
  '~1',
  '\\"',
  '\\\\',
  'é',
  '—',
  '\\ud83d\\ude00',
  '',
];
const SPACE = ['', ' ', '\n', '\t', '\r\n '];

/** Random JSON text whose objects often repeat a name, possibly as another escape of it. */
function randomJson(next: () => number, depth: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const ws = () => pick(SPACE);
  const r = next();
  if (depth > 4 || r < 0.3) {
    return pick(['1', '-0', 'true', 'null', '"x,y:{}[]"', '"\\"]"', '"a\\\\"', '"—"']);
  }
  const n = Math.floor(next() * 4);
  const items = Array.from({ length: n }, () => randomJson(next, depth + 1));
  if (r < 0.6) return `[${ws()}${items.join(`${ws()},${ws()}`)}${ws()}]`;
  const members = items.map((v) => `"${pick(NAMES)}"${ws()}:${ws()}${v}`);
  return `{${ws()}${members.join(`${ws()},${ws()}`)}${ws()}}`;
}

test('parseJson reports the same duplicate member name as the reference scan', () => {
  const next = random(0x9e3779b9);
  let duplicates = 0;
  for (let i = 0; i < 20000; i++) {
    const text = randomJson(next, 0);
    JSON.parse(text); // The generator makes valid JSON only (the scan's precondition).
    const expected = referenceDuplicate(text);
    let field: string | undefined;
    try {
      parseJson(text, 1 << 20, 'INVALID_BUNDLE');
    } catch (error) {
      assert.ok(error instanceof RecordError);
      assert.equal(error.message, `${error.field}: duplicate member name`);
      field = error.field;
    }
    assert.equal(field, expected, text);
    if (expected !== undefined) duplicates++;
  }
  assert.ok(duplicates > 1000, `only ${duplicates} inputs with a duplicate`);
});
