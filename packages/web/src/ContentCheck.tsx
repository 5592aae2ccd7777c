import { useState } from 'preact/hooks';
import { parseSalt } from '@proofline/records';
import type { Check, DigestAlgorithm } from '@proofline/verify';
import { DropZone, Icon, readFileBytes } from './components.js';
import { messageOf } from './format.js';

/** A file a visitor dropped on the record page: read in the browser, never uploaded. */
export interface DroppedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** The salt of a salted digest (records `saltedDigest`), when the visitor gave one. */
  readonly salt?: Uint8Array;
}

/** "SHA-256" for "sha256:…". */
export function algorithmName(digest: string): string {
  const algorithm = digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
  return algorithm.toUpperCase().replace('SHA', 'SHA-');
}

/**
 * "Is this the original file?": the dropped file is handed to the page (`onFile`), which
 * verifies the bundle again with it as content; `check` is that verification's content check
 * once it is for `dropped` (undefined while it runs), and this card shows its outcome. A
 * record of a salted digest matches only with its salt (kept in the receipt file attest
 * saved): the visitor pastes it here; changing it compares the same file again.
 */
export function ContentCheck(props: {
  digest: string;
  dropped: DroppedFile | undefined;
  check: Check | undefined;
  onFile: (file: DroppedFile) => void;
}) {
  const { digest, dropped, check } = props;
  const [error, setError] = useState<{ name: string; detail: string } | undefined>();
  const [saltText, setSaltText] = useState('');
  const name = algorithmName(digest);
  /** The salt typed so far: undefined when empty; throws when malformed. */
  const saltOf = (text: string): Uint8Array | undefined =>
    text.trim() === '' ? undefined : parseSalt(text.trim().toLowerCase());
  const compare = (file: { name: string; bytes: Uint8Array }, text: string) => {
    let salt: Uint8Array | undefined;
    try {
      salt = saltOf(text);
    } catch {
      setError({ name: file.name, detail: 'the salt must be 64 hexadecimal digits' });
      return;
    }
    setError(undefined);
    props.onFile({ name: file.name, bytes: file.bytes, ...(salt ? { salt } : {}) });
  };
  const take = async (file: File) => {
    try {
      compare({ name: file.name, bytes: await readFileBytes(file) }, saltText);
    } catch (err) {
      setError({ name: file.name, detail: messageOf(err) });
    }
  };
  const onSalt = (text: string) => {
    setSaltText(text);
    if (dropped !== undefined) compare(dropped, text);
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
      <label class="salt-field">
        Salt (only for a salted record: the <span class="mono">salt</span> in its receipt file)
        <input
          type="text"
          class="mono"
          spellcheck={false}
          autocomplete="off"
          data-testid="content-salt"
          value={saltText}
          onInput={(e) => onSalt((e.target as HTMLInputElement).value)}
        />
      </label>
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
              {dropped.salt === undefined ? '' : 'salted '}
              {name} fingerprint is the record’s.
            </span>
          </p>
        ) : (
          <p class="result result-failed">
            <Icon name="failed" />
            <span>
              <strong>No match.</strong> {dropped.name} is not the output this record attests (even
              a one-byte change gives another fingerprint
              {dropped.salt === undefined
                ? ', and a salted record matches only with its salt'
                : ', as does another salt'}
              ). Its fingerprint is <span class="mono">{check.evidence.actual}</span>.
            </span>
          </p>
        )}
      </div>
    </section>
  );
}
