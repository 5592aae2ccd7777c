import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import {
  bundleToTlogProof,
  formatBundle,
  formatTlogProof,
  parseBundle,
  parseTlogProof,
  type BundleV1,
} from '@proofline/records';
import { verifyBundle, verifyTlogProof, type TrustPolicy } from '../src/index.js';
import { ISSUER, LOG_KEY, TestLog, witness } from './helpers.js';

const W1 = witness('witness.example/w1', 41);
const W2 = witness('witness.example/w2', 42);
/** The strictest policy: every signature in the bundle is required, so every byte matters. */
const POLICY: TrustPolicy = {
  logKey: LOG_KEY.vkey,
  issuerKeys: [ISSUER.vkey],
  requireIssuerSignature: true,
  witnesses: { keys: [W1.vkey, W2.vkey], quorum: 2 },
};
const FIELDS = [
  'mediaType',
  'id',
  'log',
  'origin',
  'index',
  'entry',
  'receipt',
  'inclusionProof',
  'checkpoint',
] as const;

let bundle: BundleV1;
let text: string;
let proofText: string;
/** Values of the same fields from other bundles (other entries, another log). */
let pool: Record<string, unknown>[];

before(async () => {
  const log = await TestLog.create({ size: 6, issuer: ISSUER });
  const fork = await TestLog.create({ size: 6, issuer: ISSUER, variant: 'fork ' });
  const witnesses = [W1, W2];
  bundle = await log.bundle(3, 6, { witnesses });
  text = formatBundle(bundle);
  proofText = formatTlogProof(bundleToTlogProof(bundle));
  const others = [
    await log.bundle(2, 6, { witnesses }),
    await log.bundle(3, 5, { witnesses }),
    await fork.bundle(3, 6, { witnesses }),
  ];
  pool = others.map((b) => JSON.parse(formatBundle(b)) as Record<string, unknown>);
  assert.equal((await verifyBundle(text, POLICY)).ok, true);
  assert.equal((await verifyTlogProof(proofText, POLICY)).ok, true);
});

/** The bundle a text denotes, in canonical form; undefined if it does not parse. */
function meaning(json: string): string | undefined {
  try {
    return formatBundle(parseBundle(json));
  } catch {
    return undefined;
  }
}

/** Verifies a mutated bundle text: never throws; accepted only if it means the same bundle. */
async function checkBundleText(mutated: string): Promise<boolean> {
  const v = await verifyBundle(mutated, POLICY);
  if (v.ok) assert.equal(meaning(mutated), text, `accepted a different bundle: ${mutated}`);
  return v.ok;
}

/** The same for tlog-proof texts (whose format has a single spelling per proof). */
async function checkProofText(mutated: string): Promise<boolean> {
  const v = await verifyTlogProof(mutated, POLICY);
  if (v.ok) assert.equal(formatTlogProof(parseTlogProof(mutated)), proofText);
  return v.ok;
}

/** The number of JSON whitespace characters outside strings. */
function whitespaceOutsideStrings(json: string): number {
  let count = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (' \n\r\t'.includes(c)) count++;
  }
  return count;
}

/**
 * Every single-byte change of the UTF-8 text: deleting the byte, and flipping its lowest and
 * its highest bit (decoded back with U+FFFD for what is no longer UTF-8).
 */
function* singleEdits(s: string): Generator<string> {
  const bytes = new TextEncoder().encode(s);
  const decoder = new TextDecoder();
  for (let i = 0; i < bytes.length; i++) {
    const deleted = new Uint8Array(bytes.length - 1);
    deleted.set(bytes.subarray(0, i));
    deleted.set(bytes.subarray(i + 1), i);
    yield decoder.decode(deleted);
    for (const bit of [0x01, 0x80]) {
      const changed = bytes.slice();
      changed[i] = changed[i]! ^ bit;
      yield decoder.decode(changed);
    }
  }
}

const edit = (s: string) =>
  fc.record({
    at: fc.nat({ max: s.length }),
    remove: fc.nat({ max: 3 }),
    insert: fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom(' ', '\n', '0', '"', '\\', '=')),
  });

function applyEdit(s: string, e: { at: number; remove: number; insert: string }): string {
  return s.slice(0, e.at) + e.insert + s.slice(e.at + e.remove);
}

describe('mutated bundles are never accepted', () => {
  it('every single-byte deletion or change of the JSON text', async () => {
    let accepted = 0;
    for (const mutated of singleEdits(text)) if (await checkBundleText(mutated)) accepted++;
    // Exactly the deletions of JSON whitespace (outside strings) keep the meaning.
    assert.equal(accepted, whitespaceOutsideStrings(text));
  });

  it('random edits of the JSON text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit(text), { minLength: 1, maxLength: 4 }), async (edits) => {
        await checkBundleText(edits.reduce(applyEdit, text));
      }),
      { numRuns: 400 },
    );
  });

  it('random bit flips of the UTF-8 bytes', async () => {
    const bytes = new TextEncoder().encode(text);
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bytes.length * 8 - 1 }), async (bit) => {
        const mutated = bytes.slice();
        mutated[bit >> 3] = mutated[bit >> 3]! ^ (1 << (bit & 7));
        await checkBundleText(new TextDecoder().decode(mutated));
      }),
      { numRuns: 400 },
    );
  });

  it('every field replaced, removed, or taken from another bundle', async () => {
    const value = fc.oneof(
      fc.jsonValue(),
      fc.nat().map((i) => pool[i % pool.length]),
      fc.string(),
      fc.integer(),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), value, fc.boolean(), async (field, v, drop) => {
        const object = JSON.parse(text) as Record<string, unknown>;
        const replacement =
          typeof v === 'object' && v !== null && pool.includes(v as Record<string, unknown>)
            ? (v as Record<string, unknown>)[field]
            : v;
        if (drop) delete object[field];
        else object[field] = replacement;
        await checkBundleText(JSON.stringify(object));
      }),
      { numRuns: 400 },
    );
    for (const other of pool) {
      for (const field of FIELDS) {
        const object = { ...(JSON.parse(text) as object), [field]: other[field] };
        await checkBundleText(JSON.stringify(object));
      }
    }
  });

  it('every bit of every inclusion proof hash', async () => {
    for (const [i, hash] of bundle.inclusionProof.entries()) {
      for (let bit = 0; bit < 256; bit++) {
        const changed = hash.slice();
        changed[bit >> 3] = changed[bit >> 3]! ^ (1 << (bit & 7));
        const inclusionProof = bundle.inclusionProof.map((h, j) => (j === i ? changed : h));
        const v = await verifyBundle({ ...bundle, inclusionProof }, POLICY);
        assert.equal(v.ok, false);
        assert.equal(v.checks.find((c) => c.name === 'inclusion')?.status, 'failed');
      }
    }
  });

  it('every single-byte deletion or change of the receipt and checkpoint notes', async () => {
    for (const field of ['receipt', 'checkpoint'] as const) {
      for (const note of singleEdits(bundle[field])) {
        const v = await verifyBundle({ ...bundle, [field]: note }, POLICY);
        assert.equal(v.ok, false, `${field}: ${note}`);
      }
    }
  });

  it('random edits of the entry bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bundle.entry.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          const entry = bundle.entry.slice();
          entry[at] = entry[at]! ^ xor;
          const v = await verifyBundle({ ...bundle, entry }, POLICY);
          assert.equal(v.ok, false);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('mutated tlog-proofs are never accepted', () => {
  it('every single-byte deletion or change', async () => {
    for (const mutated of singleEdits(proofText)) {
      assert.equal(await checkProofText(mutated), false);
    }
  });

  it('random edits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(edit(proofText), { minLength: 1, maxLength: 4 }), async (edits) => {
        await checkProofText(edits.reduce(applyEdit, proofText));
      }),
      { numRuns: 400 },
    );
  });
});
