import { base64Encode } from '@proofline/note';
import { BUNDLE_V2_MEDIA_TYPE } from '@proofline/records';
import type { Verification } from '@proofline/verify';
import { Fact, Facts } from './components.js';

/**
 * The checkpoints of a verified bundle: the anchor (the first checkpoint that included the
 * record, whose cosignatures and timestamps give the time bound) and, for a v2 bundle made
 * later, the latest one and whether it extends the anchor. Shown once the anchor's log
 * signature verified.
 */
export function AnchorSection({ verification }: { verification: Verification }) {
  const { checkpoint, latest, bundle } = verification;
  if (checkpoint === undefined || bundle === undefined) return null;
  const v2 = bundle.mediaType === BUNDLE_V2_MEDIA_TYPE;
  const linked = v2 && 'latest' in bundle && bundle.latest !== undefined;
  const latestCheck = verification.checks.find((c) => c.name === 'latest');
  return (
    <section class="card" aria-labelledby="checkpoints-heading" data-testid="checkpoints">
      <h2 id="checkpoints-heading">Checkpoints</h2>
      <p>
        {v2
          ? 'The log signs its state as checkpoints. The proof starts from the first checkpoint that included this record: its cosignatures and timestamps say when the record existed by, and that never changes.'
          : 'The log signs its state as checkpoints. This proof (format v1) uses the checkpoint it was made against, which may be later than the first one that included the record.'}
      </p>
      <Facts>
        <Fact label={v2 ? 'First included in (anchor)' : 'Checkpoint'}>
          <span data-testid="anchor-size">tree size {checkpoint.size}</span>, root hash{' '}
          <span class="mono">{base64Encode(checkpoint.rootHash)}</span>
        </Fact>
        {linked && (
          <Fact label="Latest checkpoint">
            {latest !== undefined ? (
              <>
                <span data-testid="latest-size">tree size {latest.size}</span>, root hash{' '}
                <span class="mono">{base64Encode(latest.rootHash)}</span>
              </>
            ) : (
              'not verified'
            )}
            {latestCheck !== undefined && ' '}
            {latestCheck !== undefined && (
              <span
                class={`status status-${latestCheck.status}`}
                data-testid="latest-status"
                data-status={latestCheck.status}
              >
                {latestCheck.status === 'passed'
                  ? 'extends the anchor'
                  : latestCheck.status === 'failed'
                    ? 'not consistent with the anchor'
                    : 'not checked'}
              </span>
            )}
          </Fact>
        )}
        {v2 && !linked && (
          <Fact label="Latest checkpoint">the anchor itself, when the proof was made</Fact>
        )}
      </Facts>
    </section>
  );
}
