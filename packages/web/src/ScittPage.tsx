import { useEffect, useState } from 'preact/hooks';
import { publicKeyFromPem, type CosePublicKey } from '@proofline/cose';
import { base64Decode } from '@proofline/note';
import { verifyScitt, type ReceiptVerification, type ScittVerification } from '@proofline/verify';
import { fetchLogs } from './api.js';
import { CHECKS } from './checks.js';
import { DropZone, Fact, Facts, VerdictBox, readFileBytes } from './components.js';
import { messageOf } from './format.js';
import { CheckList, pinnedKey } from './RecordPage.js';

/** Bound on a pasted or dropped file: the verifier's own CBOR limit is 1 MiB. */
const MAX_INPUT = 2 * 1024 * 1024;

type Outcome =
  | { readonly state: 'idle' }
  | { readonly state: 'pending' }
  | { readonly state: 'error'; readonly title: string; readonly detail: string }
  | {
      readonly state: 'done';
      readonly name: string;
      readonly verification: ScittVerification;
      readonly keys: readonly string[];
      readonly source: 'pinned' | 'server';
    };

/** Pasted base64 (standard or URL-safe, any whitespace) as bytes; throws when it is not. */
function pastedBytes(text: string): Uint8Array {
  const compact = text.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  return base64Decode(compact.padEnd(Math.ceil(compact.length / 4) * 4, '='));
}

/**
 * `/verify`: a COSE receipt (GET /entries/<id>) or a transparent statement, dropped or pasted
 * as base64, verified in the browser with @proofline/verify's verifyScitt. Trust anchors: the
 * log key pinned in the fragment (`#key=<vkey>`), else every log key this server offers (the
 * page says so); an issuer key (PEM) and a signed checkpoint the visitor pastes. Nothing is
 * sent to the server.
 */
export function ScittPage({ hash }: { hash: string }) {
  const [outcome, setOutcome] = useState<Outcome>({ state: 'idle' });
  const [issuerPem, setIssuerPem] = useState('');
  const [checkpoint, setCheckpoint] = useState('');
  const [pasted, setPasted] = useState('');
  const pinned = pinnedKey(hash);

  useEffect(() => {
    const verdict =
      outcome.state === 'done'
        ? outcome.verification.ok
          ? 'passed'
          : 'failed'
        : outcome.state === 'error'
          ? 'failed'
          : outcome.state === 'pending'
            ? 'pending'
            : undefined;
    if (verdict === undefined) delete document.body.dataset.verification;
    else document.body.dataset.verification = verdict;
  }, [outcome]);

  const check = async (name: string, bytes: Uint8Array) => {
    setOutcome({ state: 'pending' });
    let issuerKeys: CosePublicKey[] = [];
    try {
      if (issuerPem.trim() !== '') issuerKeys = [publicKeyFromPem(issuerPem)];
    } catch (err) {
      setOutcome({ state: 'error', title: 'The issuer key is not valid', detail: messageOf(err) });
      return;
    }
    let keys: string[];
    try {
      keys = pinned !== undefined ? [pinned] : (await fetchLogs()).map((log) => log.verifierKey);
    } catch (err) {
      setOutcome({ state: 'error', title: 'Cannot get the log keys', detail: messageOf(err) });
      return;
    }
    try {
      const verification = await verifyScitt(bytes, {
        serviceKeys: keys,
        issuerKeys,
        ...(checkpoint.trim() === '' ? {} : { checkpoint: `${checkpoint.trim()}\n` }),
      });
      setOutcome({
        state: 'done',
        name,
        verification,
        keys,
        source: pinned === undefined ? 'server' : 'pinned',
      });
    } catch (err) {
      setOutcome({ state: 'error', title: 'The log key is not valid', detail: messageOf(err) });
    }
  };

  const take = async (file: File) => {
    if (file.size > MAX_INPUT) {
      setOutcome({
        state: 'error',
        title: 'The file is too large',
        detail: `${file.name} is over ${MAX_INPUT} bytes`,
      });
      return;
    }
    try {
      await check(file.name, await readFileBytes(file));
    } catch (err) {
      setOutcome({ state: 'error', title: 'Cannot read the file', detail: messageOf(err) });
    }
  };

  const takePasted = () => {
    let bytes: Uint8Array;
    try {
      bytes = pastedBytes(pasted);
    } catch (err) {
      setOutcome({
        state: 'error',
        title: 'The pasted text is not base64',
        detail: messageOf(err),
      });
      return;
    }
    void check('pasted receipt', bytes);
  };

  return (
    <main id="main" class="page">
      <h1>Verify a SCITT receipt or transparent statement</h1>
      <p>
        A COSE receipt of a record (RFC 9942, from <span class="mono">GET /entries/&lt;id&gt;</span>
        ) or a transparent statement (a signed statement with receipts, RFC 9943). It is checked
        here, in your browser: <strong>nothing is uploaded</strong>.
      </p>
      <Verdict outcome={outcome} />
      <section class="card" aria-labelledby="scitt-input">
        <h2 id="scitt-input">The receipt or statement</h2>
        <DropZone
          title="Drop a .cose file here, or choose it"
          hint="A receipt or a transparent statement (CBOR)."
          testId="scitt-file"
          onFile={(file) => void take(file)}
        />
        <label class="salt-field">
          Or paste it as base64
          <textarea
            data-testid="scitt-base64"
            rows={3}
            value={pasted}
            onInput={(e) => setPasted((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <button type="button" class="button" data-testid="scitt-check" onClick={takePasted}>
          Check the pasted receipt
        </button>
        <label class="salt-field">
          Issuer public key (PEM), for a transparent statement
          <textarea
            data-testid="scitt-issuer"
            rows={3}
            value={issuerPem}
            onInput={(e) => setIssuerPem((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <label class="salt-field">
          The log’s signed checkpoint of the receipt’s tree size (optional: confirms the size and
          index)
          <textarea
            data-testid="scitt-checkpoint"
            rows={4}
            value={checkpoint}
            onInput={(e) => setCheckpoint((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <p class="verdict-note">
          Log key:{' '}
          {pinned !== undefined ? (
            <>
              pinned in the address: <span class="mono">{pinned}</span>
            </>
          ) : (
            'the keys this server offers for its logs (pin your own copy with #key=<verifier key> in the address for independent assurance).'
          )}
        </p>
      </section>
      {outcome.state === 'done' && <Results outcome={outcome} />}
    </main>
  );
}

function receiptLine(r: ReceiptVerification): string {
  const what = r.record
    ? `entry ${r.leafIndex} of the log ${r.origin ?? ''}`.trim()
    : `leaf ${r.leafIndex}`;
  const when = r.record ? `, logged at ${r.record.time}` : '';
  const size = r.confirmed
    ? ` (tree size ${r.treeSize}, confirmed by the signed checkpoint)`
    : ` (tree size ${r.treeSize}; the size and index are not signed and were not confirmed: paste the log’s checkpoint of that size)`;
  return `${what}${when}${size}`;
}

function Verdict({ outcome }: { outcome: Outcome }) {
  if (outcome.state === 'idle') return null;
  const verdict =
    outcome.state === 'pending'
      ? 'pending'
      : outcome.state === 'done' && outcome.verification.ok
        ? 'passed'
        : 'failed';
  let headline: string;
  let body;
  if (outcome.state === 'pending') {
    headline = 'Checking…';
    body = <p>Checking it here, in your browser.</p>;
  } else if (outcome.state === 'error') {
    headline = outcome.title;
    body = <p>{outcome.detail}</p>;
  } else if (outcome.verification.ok) {
    const v = outcome.verification;
    headline = 'Verified';
    body = (
      <>
        {v.kind === 'transparent-statement' && (
          <p>
            A signed statement of <strong>{v.statement?.issuer ?? 'its issuer'}</strong>
            {v.statement?.subject !== undefined && (
              <>
                {' '}
                about <strong>{v.statement.subject}</strong>
              </>
            )}
            , signed with the issuer key you gave, and registered:
          </p>
        )}
        <ul>
          {v.receipts
            .filter((r) => r.status === 'verified')
            .map((r, i) => (
              <li key={i} data-testid="scitt-proven">
                {receiptLine(r)}
              </li>
            ))}
        </ul>
        <p class="verdict-note">
          Checked just now in your browser.
          {outcome.source === 'server' &&
            ' It used the log keys offered by this server: pin your own copy of the key for independent assurance.'}
        </p>
      </>
    );
  } else {
    headline = 'Verification failed';
    const failures = outcome.verification.checks.filter((c) => c.status === 'failed');
    body = (
      <>
        <p>
          Do not rely on this {outcome.verification.kind === 'receipt' ? 'receipt' : 'statement'}.
          What went wrong:
        </p>
        <ul class="verdict-failures">
          {failures.map((c) => (
            <li key={c.name} data-failed-check={c.name} data-code={c.error?.code}>
              <strong>{CHECKS[c.name].title}</strong> check failed: {c.summary} [{c.error?.code}]
            </li>
          ))}
        </ul>
      </>
    );
  }
  return (
    <VerdictBox verdict={verdict} headline={headline}>
      {body}
    </VerdictBox>
  );
}

function Results({ outcome }: { outcome: Extract<Outcome, { state: 'done' }> }) {
  const v = outcome.verification;
  return (
    <>
      <CheckList
        checks={v.checks}
        title={v.kind === 'receipt' ? 'The receipt’s checks' : 'The statement’s checks'}
        intro="Each check was run by this page. Open one to see its evidence."
        testId="scitt-checks"
      />
      {v.kind === 'transparent-statement' &&
        v.receipts.map((r, i) => (
          <CheckList
            key={i}
            checks={r.checks}
            title={`Receipt ${i + 1}: ${r.status}`}
            intro="This receipt’s own checks."
            testId={`scitt-receipt-${i + 1}`}
          />
        ))}
      <section class="card" aria-labelledby="scitt-anchors">
        <h2 id="scitt-anchors">Trust anchors used</h2>
        <Facts>
          <Fact
            label={
              outcome.source === 'pinned'
                ? 'Log key (pinned by you)'
                : 'Log keys (offered by this server)'
            }
            mono
          >
            <span data-testid="scitt-keys">{outcome.keys.join('\n')}</span>
          </Fact>
          {v.statement !== undefined && (
            <Fact label="Issuer key (RFC 9679 thumbprint)" mono>
              {v.statement.issuerKey}
            </Fact>
          )}
        </Facts>
      </section>
    </>
  );
}
