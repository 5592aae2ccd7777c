import { formatCheckpoint, signNote } from '@proofline/note';
import { leafHash } from '@proofline/tlog';
import {
  BUNDLE_MEDIA_TYPE,
  buildRecord,
  parseRecord,
  recordId,
  signReceipt,
  type BundleV1,
} from '../src/index.js';
import { inclusionProof, merkleRoot, testKey } from './helpers.js';

export const ORIGIN = 'proofline.example/acme-prod';
export const LOG = 'acme-prod';
export const logKey = testKey(ORIGIN, 21);
const witness = testKey('witness.example/w1', 22);

/** A log of `size` records with a signed, cosigned checkpoint, and the bundle of `index`. */
export async function makeBundle(size: number, index: number): Promise<BundleV1> {
  const entries = Array.from(
    { length: size },
    (_, i) =>
      buildRecord(
        {
          digest: `sha256:${i.toString(16).padStart(64, '0')}`,
          type: 'test.event',
          labels: { n: String(i) },
        },
        'acme',
        1_800_000_000_000 + i,
      ).bytes,
  );
  const leaves = entries.map(leafHash);
  const entry = entries[index]!;
  const checkpoint = await signNote(
    formatCheckpoint({ origin: ORIGIN, size, rootHash: merkleRoot(leaves), extensions: [] }),
    [logKey.signer, witness.signer],
  );
  const receipt = await signReceipt(
    { origin: ORIGIN, index, leafHash: leaves[index]!, time: parseRecord(entry).time },
    logKey.signer,
  );
  return {
    mediaType: BUNDLE_MEDIA_TYPE,
    id: recordId(LOG, index),
    log: LOG,
    origin: ORIGIN,
    index,
    entry,
    receipt,
    inclusionProof: inclusionProof(leaves, index),
    checkpoint,
  };
}
