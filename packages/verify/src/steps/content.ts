import type { RecordV1 } from '@proofline/records';
import { failed, passed } from '../checks.js';
import { contentDigest, type DigestAlgorithm } from '../digest.js';
import { VerificationError } from '../errors.js';
import type { Check } from '../types.js';

/**
 * Step 3: the caller's content hashes to the record's `digest` (same algorithm), so the
 * record is about exactly this output. With `salt`, the salted digest (records
 * `saltedDigest`) is compared: a salted record matches only with its salt. Proves nothing
 * about the content's meaning.
 */
export async function contentStep(
  record: RecordV1,
  content: Uint8Array,
  salt?: Uint8Array,
): Promise<Check> {
  const algorithm = record.digest.slice(0, record.digest.indexOf(':')) as DigestAlgorithm;
  const actual = await contentDigest(content, algorithm, salt);
  const evidence = {
    expected: record.digest,
    actual,
    contentSize: String(content.length),
    ...(salt === undefined ? {} : { salted: 'true' }),
  };
  if (actual !== record.digest) {
    const error = new VerificationError(
      'CONTENT_MISMATCH',
      'content',
      `the content's ${salt === undefined ? '' : 'salted '}${algorithm} digest is not the record's digest`,
      { evidence },
    );
    return failed(error);
  }
  const kind = salt === undefined ? algorithm : `salted ${algorithm}`;
  return passed('content', `The content's ${kind} digest equals the record's.`, evidence);
}
