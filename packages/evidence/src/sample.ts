import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';
import { invalidArgument } from './errors.js';

/** The name of the sampling algorithm below, recorded with every sample. */
export const SAMPLE_ALGORITHM = 'proofline.dev/sample/v1';
/** Bound on a seed's length in bytes. */
export const MAX_SEED_SIZE = 64;

const TWO_64 = 1n << 64n;

/**
 * The random stream of proofline.dev/sample/v1: number c (c = 0, 1, 2, ...) is the first 8
 * bytes, read as a big-endian unsigned integer, of HMAC-SHA-256(key = seed, message = the
 * 8-byte big-endian encoding of c).
 */
export class SampleStream {
  private counter = 0n;

  constructor(private readonly seed: Uint8Array) {
    if (!(seed instanceof Uint8Array) || seed.length === 0 || seed.length > MAX_SEED_SIZE) {
      throw invalidArgument(`a seed is 1 to ${MAX_SEED_SIZE} bytes`);
    }
  }

  /** The next 64-bit number. */
  next(): bigint {
    const message = new Uint8Array(8);
    new DataView(message.buffer).setBigUint64(0, this.counter);
    this.counter++;
    const mac = hmac(sha256, this.seed, message);
    return new DataView(mac.buffer, mac.byteOffset, 8).getBigUint64(0);
  }

  /**
   * A uniform integer in [0, m) for 1 ≤ m ≤ 2^53, by rejection: with
   * limit = 2^64 − (2^64 mod m), numbers ≥ limit are discarded (so every residue is equally
   * likely) and the first one below it is reduced mod m.
   */
  uniform(m: number): number {
    if (!Number.isSafeInteger(m) || m < 1)
      throw invalidArgument('m must be a positive safe integer');
    const big = BigInt(m);
    const limit = TWO_64 - (TWO_64 % big);
    for (;;) {
      const x = this.next();
      if (x < limit) return Number(x % big);
    }
  }
}

/**
 * Draws `size` distinct positions out of a population of `populationSize` (positions
 * 0 .. populationSize − 1) with proofline.dev/sample/v1: a partial Fisher–Yates shuffle of
 * the virtual array a = [0, 1, ..., N − 1]: for i = 0 .. size − 1, j = i + uniform(N − i),
 * swap a[i] and a[j], and a[i] is the i-th drawn position. Returns the positions in draw
 * order. Memory is O(size) whatever N. Throws EvidenceError INVALID_ARGUMENT.
 */
export function drawSample(seed: Uint8Array, populationSize: number, size: number): number[] {
  if (!Number.isSafeInteger(populationSize) || populationSize < 0) {
    throw invalidArgument('the population size must be a safe non-negative integer');
  }
  if (!Number.isSafeInteger(size) || size < 0 || size > populationSize) {
    throw invalidArgument(`the sample size must be an integer from 0 to ${populationSize}`);
  }
  const stream = new SampleStream(seed);
  const swapped = new Map<number, number>();
  const at = (i: number) => swapped.get(i) ?? i;
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    const j = i + stream.uniform(populationSize - i);
    const picked = at(j);
    swapped.set(j, at(i));
    swapped.set(i, picked);
    out.push(picked);
  }
  return out;
}

/**
 * The sample size for a percentage of the population: ceil(N × percent / 100), raised to
 * `min` and lowered to `max` (when given), and never more than N. `percent` is a decimal
 * string with at most 6 fraction digits, 0 < percent ≤ 100; the arithmetic is exact.
 */
export function sampleSizeFor(
  populationSize: number,
  percent: string,
  min = 0,
  max = Number.MAX_SAFE_INTEGER,
): number {
  const match = /^(\d{1,3})(?:\.(\d{1,6}))?$/.exec(percent);
  if (!match) throw invalidArgument('percent must be a decimal like 5 or 2.5');
  const fraction = (match[2] ?? '').padEnd(6, '0');
  const millionths = BigInt(match[1]!) * 1_000_000n + BigInt(fraction);
  if (millionths <= 0n || millionths > 100_000_000n) {
    throw invalidArgument('percent must be more than 0 and at most 100');
  }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
    throw invalidArgument('min and max must be integers with 0 ≤ min ≤ max');
  }
  const denominator = 100_000_000n;
  const product = BigInt(populationSize) * millionths;
  const ceil = Number((product + denominator - 1n) / denominator);
  return Math.min(populationSize, Math.max(min, Math.min(max, ceil)));
}

/** Parses a hex seed (2 to 128 hex digits, an even number). Throws INVALID_ARGUMENT. */
export function parseSeed(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2}){1,64}$/.test(hex)) {
    throw invalidArgument(`a seed is 1 to ${MAX_SEED_SIZE} bytes in hex`);
  }
  return hexToBytes(hex.toLowerCase());
}
