/* global crypto, performance, TextEncoder */
/**
 * Times verifyBundle on one real bundle, beside the floor no verifier can go below: the two
 * Ed25519 verifications it must do (receipt and checkpoint, platform WebCrypto, key imported
 * once), started together as verifyBundle starts them, plus one inclusion-proof check while
 * they run. Browser-safe (runs unchanged in Node and Chromium).
 */
import { verifyBundle } from '@proofline/verify';
import { parseBundle } from '@proofline/records';
import { base64Decode, parseCheckpoint, parseNote } from '@proofline/note';
import { leafHash, verifyInclusion } from '@proofline/tlog';

/** Mean µs per call of `op`, for each of `runs` runs of `iterations` sequential calls. */
async function timeRuns(op, runs, iterations) {
  for (let i = 0; i < Math.min(200, iterations); i++) await op(); // warm-up (JIT, key import)
  const perRun = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    for (let i = 0; i < iterations; i++) await op();
    perRun.push(((performance.now() - start) * 1000) / iterations);
  }
  return perRun;
}

export async function measureVerify(json, logKey, { runs = 5, iterations = 500 } = {}) {
  const policy = { logKey };
  const first = await verifyBundle(json, policy);
  if (!first.ok) {
    const failed = first.checks.filter((c) => c.status === 'failed').map((c) => c.summary);
    throw new Error(`the benchmark bundle does not verify: ${failed.join('; ')}`);
  }
  const bundle = parseBundle(json);
  const receipt = parseNote(bundle.receipt);
  const checkpointNote = parseNote(bundle.checkpoint);
  const checkpoint = parseCheckpoint(checkpointNote.text);
  // name+<8 hex key id>+base64(0x01 || public key); the base64 may itself contain '+'.
  const keyBytes = base64Decode(logKey.slice(logKey.indexOf('+') + 10)).subarray(1);
  const algorithm = { name: 'Ed25519' };
  let baseline;
  try {
    const key = await crypto.subtle.importKey('raw', keyBytes, algorithm, false, ['verify']);
    const encoder = new TextEncoder();
    const signed = [
      [encoder.encode(receipt.text), receipt.signatures[0].signature],
      [encoder.encode(checkpointNote.text), checkpointNote.signatures[0].signature],
    ];
    const leaf = leafHash(bundle.entry);
    const op = async () => {
      const verdicts = signed.map(([message, signature]) =>
        crypto.subtle.verify(algorithm, key, signature, message),
      );
      verifyInclusion(
        leaf,
        bundle.index,
        checkpoint.size,
        bundle.inclusionProof,
        checkpoint.rootHash,
      );
      if (!(await Promise.all(verdicts)).every(Boolean)) {
        throw new Error('baseline signature did not verify');
      }
    };
    baseline = await timeRuns(op, runs, iterations);
  } catch (err) {
    baseline = { error: `WebCrypto Ed25519 unavailable: ${err.message}` };
  }
  const verify = await timeRuns(() => verifyBundle(json, policy), runs, iterations);
  return {
    verifyUs: verify,
    baselineUs: baseline,
    proofHashes: bundle.inclusionProof.length,
    treeSize: checkpoint.size,
  };
}
