import { useState } from 'preact/hooks';
import type { Check, DigestAlgorithm } from '@proofline/verify';
import { DropZone, Icon, readFileBytes } from './components.js';
import { messageOf } from './format.js';

/** A file a visitor dropped on the record page: read in the browser, never uploaded. */
export interface DroppedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** "SHA-256" for "sha256:…". */
export function algorithmName(digest: string): string {
  const algorithm = digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
  return algorithm.toUpperCase().replace('SHA', 'SHA-');
}

/**
 * "Is this the original file?": the dropped file is handed to the page (`onFile`), which
 * verifies the bundle again with it as content; `check` is that verification's content check
 * once it is for `dropped` (undefined while it runs), and this card shows its outcome.
 */
export function ContentCheck(props: {
  digest: string;
  dropped: DroppedFile | undefined;
  check: Check | undefined;
  onFile: (file: DroppedFile) => void;
}) {
  const { digest, dropped, check } = props;
  const [error, setError] = useState<{ name: string; detail: string } | undefined>();
  const name = algorithmName(digest);
  const take = async (file: File) => {
    try {
      const bytes = await readFileBytes(file);
      setError(undefined);
      props.onFile({ name: file.name, bytes });
    } catch (err) {
      setError({ name: file.name, detail: messageOf(err) });
    }
  };
  const match =
    error === undefined && dropped !== undefined && check !== undefined
      ? check.status === 'passed'
      : undefined;
  return (
    <section class="card" aria-labelledby="content-heading">
      <h2 id="content-heading">Is this the original file?</h2>
      <p>
        If you have the file this record is about, check it here. It is read and hashed ({name}) in
        your browser: <strong>the file is never uploaded</strong>.
      </p>
      <DropZone
        title="Drop the original file here, or choose it"
        hint="Any file type; it stays on your device."
        testId="content-file"
        onFile={(file) => void take(file)}
      />
      <div
        class="content-result"
        aria-live="polite"
        data-testid="content-result"
        data-match={match === undefined ? undefined : String(match)}
      >
        {error !== undefined ? (
          <p class="result result-failed">
            <Icon name="failed" /> {error.name} could not be read: {error.detail}
          </p>
        ) : dropped === undefined ? null : check === undefined ? (
          <p>Computing the fingerprint of {dropped.name}…</p>
        ) : match ? (
          <p class="result result-passed">
            <Icon name="passed" />
            <span>
              <strong>Match.</strong> {dropped.name} is exactly the output this record attests: its{' '}
              {name} fingerprint is the record’s.
            </span>
          </p>
        ) : (
          <p class="result result-failed">
            <Icon name="failed" />
            <span>
              <strong>No match.</strong> {dropped.name} is not the output this record attests (even
              a one-byte change gives another fingerprint). Its fingerprint is{' '}
              <span class="mono">{check.evidence.actual}</span>.
            </span>
          </p>
        )}
      </div>
    </section>
  );
}
