import assert from 'node:assert/strict';
import test from 'node:test';
import { TIME_SHAPE, timeValue } from '../src/time.js';

/** timeValue as it was before the field-by-field check (2026-12-08): the reference. */
function reference(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length !== 24 || !TIME_SHAPE.test(text)) return undefined;
  const ms = Date.parse(text);
  const max = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
  return ms >= 0 && ms <= max && new Date(ms).toISOString() === text ? ms : undefined;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

test('timeValue agrees with Date.parse and toISOString on edge and random times', () => {
  const years = [0, 1, 1900, 1969, 1970, 1971, 1972, 2000, 2023, 2024, 2100, 2400, 9998, 9999];
  const inputs: string[] = [];
  for (const y of years) {
    for (let m = 0; m <= 13; m++) {
      for (const d of [0, 1, 28, 29, 30, 31, 32, 99]) {
        inputs.push(`${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T00:00:00.000Z`);
      }
    }
  }
  for (const [h, mi, s, ms] of [
    [23, 59, 59, 999],
    [24, 0, 0, 0],
    [23, 60, 0, 0],
    [23, 59, 60, 0],
    [99, 99, 99, 999],
    [0, 0, 0, 1],
  ]) {
    for (const day of ['1970-01-01', '1969-12-31', '9999-12-31', '2024-02-29']) {
      inputs.push(`${day}T${pad(h!, 2)}:${pad(mi!, 2)}:${pad(s!, 2)}.${pad(ms!, 3)}Z`);
    }
  }
  let x = 0x2545f491;
  const next = (n: number): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  for (let i = 0; i < 50000; i++) {
    inputs.push(
      `${pad(next(10000), 4)}-${pad(next(14), 2)}-${pad(next(33), 2)}T${pad(next(26), 2)}:` +
        `${pad(next(62), 2)}:${pad(next(62), 2)}.${pad(next(1000), 3)}Z`,
    );
  }
  inputs.push('2026-12-08T03:43:22.456z', '2026-12-08 03:43:22.456Z', '+02026-12-08T03:43:22.456Z');
  let valid = 0;
  for (const text of [...inputs, 1, null, '']) {
    assert.equal(timeValue(text), reference(text), String(text));
    if (reference(text) !== undefined) valid++;
  }
  assert.ok(valid > 10000, `only ${valid} valid times`);
});
