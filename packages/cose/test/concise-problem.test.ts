import assert from 'node:assert/strict';
import test from 'node:test';
import {
  CborMap,
  CoseError,
  PROOFLINE_PROBLEM_KEY,
  decodeConciseProblem,
  encodeCbor,
  encodeConciseProblem,
} from '../src/index.js';
import { toHex } from './helpers.js';

test('a concise problem is RFC 9290 CBOR: -1 title, -2 detail, the custom entry under its URI key', () => {
  const bytes = encodeConciseProblem({
    title: 'Bad Request',
    detail: 'no',
    custom: { code: 'invalid-signed-statement', status: 400 },
  });
  // Hand-assembled: {-1: "Bad Request", -2: "no", "https://proofline.dev/problems": {...}}
  const expected = encodeCbor(
    new CborMap([
      [-1, 'Bad Request'],
      [-2, 'no'],
      [
        PROOFLINE_PROBLEM_KEY,
        new CborMap([
          ['code', 'invalid-signed-statement'],
          ['status', 400],
        ]),
      ],
    ]),
  );
  assert.equal(toHex(bytes), toHex(expected));
  assert.equal(toHex(bytes).slice(0, 4), 'a320', 'a map of 3, first key -1');
  assert.deepEqual(decodeConciseProblem(bytes, 1024), {
    title: 'Bad Request',
    detail: 'no',
    custom: { code: 'invalid-signed-statement', status: 400 },
  });
});

test("a server's concise problem is read defensively: wrong types are dropped, bounds hold", () => {
  const hostile = encodeCbor(
    new CborMap([
      [-1, 7],
      [-2, new CborMap([])],
      [
        PROOFLINE_PROBLEM_KEY,
        new CborMap([
          ['code', new Uint8Array([1])],
          ['field', '/x'],
          [3, 'numeric key'],
          ['status', 2n ** 60n],
        ]),
      ],
    ]),
  );
  assert.deepEqual(decodeConciseProblem(hostile, 1024), { custom: { field: '/x' } });
  assert.deepEqual(decodeConciseProblem(encodeCbor([1, 2]), 1024), { custom: {} });
  assert.throws(() => decodeConciseProblem(hostile, 8), CoseError);
  assert.throws(() => decodeConciseProblem(new Uint8Array([0xff]), 1024), CoseError);
});
