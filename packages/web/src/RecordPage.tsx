import type { ComponentChildren } from 'preact';
import { useEffect, useId, useState } from 'preact/hooks';
import { parseVerifierKey } from '@proofline/note';
import {
  BUNDLE_V2_MEDIA_TYPE,
  bundleToTlogProof,
  formatTlogProof,
  parseBundle,
  parseRecordId,
  type RecordV1,
} from '@proofline/records';
import { verifyBundle, type Check, type Verification } from '@proofline/verify';
import { AnchorSection } from './AnchorSection.js';
import {
  ApiError,
  fetchBundleText,
  fetchLog,
  logPath,
  proofUrl,
  type LogInfo,
  type WitnessPolicy,
} from './api.js';
import { CHECKS, STATUS_LABEL, evidenceLabel } from './checks.js';
import { ContentCheck, type DroppedFile } from './ContentCheck.js';
import { CopyButton, Fact, Facts, Icon, VerdictBox } from './components.js';
import { formatUtc, messageOf, plural, shellQuote } from './format.js';
import { Link, replaceHash } from './router.js';

/** How long to wait for a checkpoint that covers a freshly attested record. */
const CHECKPOINT_WAIT_TRIES = 30;

type Load =
  | { readonly state: 'loading'; readonly waiting?: boolean }
  | {
      readonly state: 'error';
      readonly title: string;
      readonly detail: string;
      /** The record was erased (410): not a failed verification; its erasure record's id. */
      readonly erased?: { readonly erasure?: string };
    }
  | {
      readonly state: 'loaded';
      readonly bundleText: string;
      readonly log: string;
      readonly serverLog?: LogInfo;
      readonly serverLogError?: string;
    };

type KeySource = 'server' | 'pinned';

type Outcome =
  | { readonly state: 'pending' }
  | { readonly state: 'no-key'; readonly detail: string }
  | {
      readonly state: 'bad-key';
      readonly key: string;
      readonly source: KeySource;
      readonly detail: string;
    }
  | {
      readonly state: 'done';
      readonly key: string;
      readonly source: KeySource;
      readonly verification: Verification;
      /** The dropped file the verification compared with the record, if any. */
      readonly content?: DroppedFile;
      /** The witness policy used, if any, and where it came from. */
      readonly witnesses?: WitnessPolicy;
      readonly witnessSource?: KeySource;
    };

/** The key pinned in the fragment, `#key=<verifier key>` (URL-encoded or not). */
export function pinnedKey(hash: string): string | undefined {
  const match = /(?:^#|&)key=([^&]*)/.exec(hash);
  if (!match || match[1] === '') return undefined;
  try {
    return decodeURIComponent(match[1]!).trim();
  } catch {
    return match[1]!.trim();
  }
}

/** The raw (still encoded) value of `name=` in the fragment. */
function fragmentValue(hash: string, name: string): string | undefined {
  const match = new RegExp(`(?:^#|&)${name}=([^&]*)`).exec(hash);
  return match && match[1] !== '' ? match[1] : undefined;
}

/**
 * The witness policy pinned in the fragment, `#witnesses=<quorum>:<vkey>,<vkey>...`
 * (URL-encoded as a whole or key by key). A value that does not have this shape is returned
 * as a policy that verifyBundle refuses (quorum NaN), so the page says it is invalid.
 */
export function pinnedWitnesses(hash: string): WitnessPolicy | undefined {
  const raw = fragmentValue(hash, 'witnesses');
  if (raw === undefined) return undefined;
  let value: string;
  try {
    value = decodeURIComponent(raw).trim();
  } catch {
    value = raw.trim();
  }
  const colon = value.indexOf(':');
  const quorum =
    colon > 0 && /^\d+$/.test(value.slice(0, colon)) ? Number(value.slice(0, colon)) : NaN;
  const keys = value
    .slice(colon + 1)
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  return { keys, quorum };
}

/** `#witnesses=<quorum>:<vkey>,<vkey>` for a policy, URL-encoded. */
function witnessesFragment(policy: WitnessPolicy): string {
  return `witnesses=${encodeURIComponent(`${policy.quorum}:${policy.keys.join(',')}`)}`;
}

/** The fragment that pins `key` (and keeps the witnesses and share token in `hash`). */
function pinHash(key: string | undefined, hash: string): string {
  const witnesses = fragmentValue(hash, 'witnesses');
  const parts = [
    ...(key === undefined ? [] : [`key=${encodeURIComponent(key)}`]),
    ...(witnesses === undefined ? [] : [`witnesses=${witnesses}`]),
  ];
  return fragmentOf(parts, hash);
}

/** The fragment that pins `policy` (and keeps the key and share token in `hash`). */
function pinWitnessesHash(policy: WitnessPolicy | undefined, hash: string): string {
  const key = fragmentValue(hash, 'key');
  const parts = [
    ...(key === undefined ? [] : [`key=${key}`]),
    ...(policy === undefined ? [] : [witnessesFragment(policy)]),
  ];
  return fragmentOf(parts, hash);
}

/** `parts`, and the share token of `hash` if it has one, as a fragment. */
function fragmentOf(parts: readonly string[], hash: string): string {
  const token = fragmentValue(hash, 't');
  const all = [...parts, ...(token === undefined ? [] : [`t=${token}`])];
  return all.length === 0 ? '' : `#${all.join('&')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function RecordPage({ id, hash }: { id: string; hash: string }) {
  const pinned = pinnedKey(hash);
  /** A share link's token (`#t=...`): it opens this record of a private log. */
  const shareToken = fragmentValue(hash, 't');
  const witnessPin = fragmentValue(hash, 'witnesses');
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [outcome, setOutcome] = useState<Outcome>({ state: 'pending' });
  const [dropped, setDropped] = useState<DroppedFile | undefined>();

  // Fetch the bundle (as text) and the key the server offers for its log.
  useEffect(() => {
    let cancelled = false;
    setLoad({ state: 'loading' });
    let log: string;
    try {
      log = parseRecordId(id).log;
    } catch {
      setLoad({
        state: 'error',
        title: 'This is not a record address',
        detail: `“${id}” is not a record id. A record id looks like default-42: the log’s name, a dash and the record’s position.`,
      });
      return;
    }
    const serverLog = fetchLog(log).then(
      (info) => ({ serverLog: info }),
      (err: unknown) => ({ serverLogError: messageOf(err) }),
    );
    void (async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          const bundleText = await fetchBundleText(id, shareToken);
          const keyInfo = await serverLog;
          if (!cancelled) setLoad({ state: 'loaded', bundleText, log, ...keyInfo });
          return;
        } catch (err) {
          if (cancelled) return;
          if (
            err instanceof ApiError &&
            err.code === 'not-yet-checkpointed' &&
            attempt < CHECKPOINT_WAIT_TRIES
          ) {
            setLoad({ state: 'loading', waiting: true });
            await sleep(1000);
            if (cancelled) return;
            continue;
          }
          setLoad({ state: 'error', ...describeLoadError(id, err, shareToken !== undefined) });
          return;
        }
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [id, shareToken]);

  // Verify in the browser, again whenever the key changes.
  const serverKey = load.state === 'loaded' ? load.serverLog?.verifierKey : undefined;
  const serverWitnesses = load.state === 'loaded' ? load.serverLog?.witnesses : undefined;
  const serverTsa = load.state === 'loaded' ? load.serverLog?.timestampAuthorities : undefined;
  const bundleText = load.state === 'loaded' ? load.bundleText : undefined;
  useEffect(() => {
    if (bundleText === undefined) {
      setOutcome({ state: 'pending' });
      return;
    }
    const key = pinned ?? serverKey;
    const source: KeySource = pinned === undefined ? 'server' : 'pinned';
    if (key === undefined) {
      setOutcome({
        state: 'no-key',
        detail:
          'The server did not say which key its log signs with. Paste the log’s verifier key below to check this record.',
      });
      return;
    }
    const pinnedPolicy =
      witnessPin === undefined ? undefined : pinnedWitnesses(`#witnesses=${witnessPin}`);
    const witnesses = pinnedPolicy ?? serverWitnesses;
    const witnessSource: KeySource | undefined =
      pinnedPolicy !== undefined ? 'pinned' : serverWitnesses !== undefined ? 'server' : undefined;
    let cancelled = false;
    // A new file to compare keeps the current result on the page until the new one is in.
    setOutcome((current) =>
      current.state === 'done' && current.key === key ? current : { state: 'pending' },
    );
    const content = dropped;
    verifyBundle(
      bundleText,
      {
        logKey: key,
        ...(witnesses === undefined ? {} : { witnesses }),
        // RFC 3161 roots only when the log names some: tokens are then checked against them.
        ...(serverTsa !== undefined && serverTsa.roots.length > 0
          ? { timestampAuthorities: { roots: serverTsa.roots } }
          : {}),
      },
      content === undefined
        ? {}
        : { content: content.bytes, ...(content.salt ? { salt: content.salt } : {}) },
    ).then(
      (verification) => {
        if (!cancelled) {
          setOutcome({
            state: 'done',
            key,
            source,
            verification,
            ...(content === undefined ? {} : { content }),
            witnesses,
            witnessSource,
          });
        }
      },
      (err: unknown) => {
        if (!cancelled) setOutcome({ state: 'bad-key', key, source, detail: messageOf(err) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [bundleText, serverKey, serverWitnesses, serverTsa, pinned, witnessPin, dropped]);

  const verdict: 'pending' | 'passed' | 'failed' =
    load.state === 'error'
      ? 'failed'
      : outcome.state === 'pending'
        ? 'pending'
        : outcome.state === 'done' && outcome.verification.ok
          ? 'passed'
          : 'failed';

  const erased = load.state === 'error' ? load.erased : undefined;
  useEffect(() => {
    document.body.dataset.verification = erased ? 'erased' : verdict;
    document.title =
      verdict === 'pending'
        ? `Checking record ${id} · Proofline`
        : `Record ${id}: ${erased ? 'erased' : verdict === 'passed' ? 'verified' : 'verification failed'} · Proofline`;
  }, [verdict, id, erased]);
  useEffect(
    () => () => {
      delete document.body.dataset.verification;
    },
    [],
  );

  const verification = outcome.state === 'done' ? outcome.verification : undefined;
  const record = verification?.record;
  const index = verification?.index ?? verification?.bundle?.index;
  const origin = verification?.bundle?.origin ?? originOf(load);

  return (
    <main id="main" class="page">
      <p class="eyebrow">
        Record <span class="mono">{id}</span>
      </p>
      <Verdict verdict={verdict} load={load} outcome={outcome} index={index} origin={origin} />

      {record !== undefined && (
        <RecordSection
          record={record}
          id={id}
          index={index}
          log={verification?.bundle?.log ?? ''}
          origin={verification?.bundle?.origin ?? ''}
          trusted={verdict === 'passed'}
        />
      )}

      {record !== undefined && (
        <ContentCheck
          digest={record.digest}
          dropped={dropped}
          check={
            outcome.state === 'done' && outcome.content === dropped
              ? verification?.checks.find((c) => c.name === 'content')
              : undefined
          }
          onFile={setDropped}
        />
      )}

      {verification !== undefined && <CheckList checks={verification.checks} />}

      {verification !== undefined && <AnchorSection verification={verification} />}

      {outcome.state === 'done' && (
        <WitnessSection
          verification={outcome.verification}
          policy={outcome.witnesses}
          source={outcome.witnessSource}
          hash={hash}
        />
      )}

      {load.state === 'loaded' && (
        <KeyPanel
          log={load.log}
          serverLog={load.serverLog}
          serverLogError={load.serverLogError}
          outcome={outcome}
          pinned={pinned}
          hash={hash}
        />
      )}

      {load.state === 'loaded' && (
        <OfflineSection
          id={id}
          keyUsed={outcome.state === 'done' ? outcome.key : serverKey}
          {...(shareToken === undefined ? {} : { sharedBundle: load.bundleText })}
        />
      )}
    </main>
  );
}

function originOf(load: Load): string {
  return load.state === 'loaded' ? (load.serverLog?.origin ?? '') : '';
}

function describeLoadError(
  id: string,
  err: unknown,
  shared: boolean,
): { title: string; detail: string; erased?: { erasure?: string } } {
  if (err instanceof ApiError) {
    if (err.code === 'record-erased') {
      return {
        title: 'This record was erased',
        detail: `The bytes of record ${id} were erased from its private log. Its leaf hash stays in the log, so every other record, checkpoint and audit still verifies; the log’s erasure record says when, by which key and why.`,
        erased: err.erasure === undefined ? {} : { erasure: err.erasure },
      };
    }
    // A private log answers the same whether the record exists or not: say nothing more.
    if (err.code === 'unauthorized' || err.status === 401) {
      return {
        title: 'This record is private',
        detail: shared
          ? `The share link for record ${id} does not open it: it may have been revoked or have expired, or the address is incomplete. Ask whoever shared it for a new link.`
          : `Record ${id} would be in a private log: only its owner, or someone with a share link they made, can see it. Open the full share link (with the part after #) you were given.`,
      };
    }
    if (err.code === 'not-found' || err.code === 'unknown-log' || err.status === 404) {
      if (err.code === 'not-yet-checkpointed') {
        return {
          title: 'Not published yet',
          detail: `Record ${id} exists, but the log has not yet published a checkpoint that covers it. Reload this page in a moment.`,
        };
      }
      return {
        title: 'No such record',
        detail: `This server has no record ${id}. Check the address, or look the record up from the list of logs.`,
      };
    }
    if (err.status === 0) {
      return {
        title: 'The server could not be reached',
        detail: 'Check your connection and reload.',
      };
    }
    return { title: 'The proof could not be fetched', detail: err.message };
  }
  return { title: 'The proof could not be fetched', detail: messageOf(err) };
}

function Verdict(props: {
  verdict: 'pending' | 'passed' | 'failed';
  load: Load;
  outcome: Outcome;
  index: number | undefined;
  origin: string;
}) {
  const { verdict, load, outcome } = props;
  let headline: string;
  let body: ComponentChildren;
  if (load.state === 'error') {
    headline = load.title;
    body = (
      <p data-testid={load.erased ? 'erased' : undefined}>
        {load.detail}
        {load.erased?.erasure !== undefined && (
          <>
            {' '}
            <a href={`/r/${load.erased.erasure}`} data-testid="erasure-link">
              Erasure record {load.erased.erasure}
            </a>
          </>
        )}
      </p>
    );
  } else if (verdict === 'pending') {
    headline = 'Checking…';
    body = (
      <p>
        {load.state === 'loading' && load.waiting
          ? 'The record was just added. Waiting for the log to publish a signed checkpoint that covers it…'
          : 'Fetching the proof and checking it here, in your browser.'}
      </p>
    );
  } else if (outcome.state === 'no-key') {
    headline = 'Cannot verify without the log key';
    body = <p>{outcome.detail}</p>;
  } else if (outcome.state === 'bad-key') {
    headline = 'Verification failed';
    body = /\bwitnesses\b/.test(outcome.detail) ? (
      <p>The witness policy is not valid: {outcome.detail}</p>
    ) : (
      <p>
        The log key{outcome.source === 'pinned' ? ' pinned in the address' : ''} is not a valid log
        verifier key: {outcome.detail}
      </p>
    );
  } else if (outcome.state === 'done' && outcome.verification.ok) {
    headline = 'Verified';
    body = (
      <>
        <p>
          This record is entry {props.index} of the log <strong>{props.origin}</strong>, exactly as
          shown below. The log has signed it and cannot remove or change it without being caught.
        </p>
        {outcome.verification.existedBy !== undefined && (
          <p
            class="existed-by"
            data-testid="existed-by"
            data-anchor-size={outcome.verification.checkpoint?.size}
          >
            Existed no later than{' '}
            <time dateTime={outcome.verification.existedBy.time}>
              {utcTime(outcome.verification.existedBy.time)}
            </time>{' '}
            (UTC), as attested by{' '}
            {outcome.verification.existedBy.source === 'tsa'
              ? 'the time-stamping authority '
              : 'witness '}
            <span class="mono">{outcome.verification.existedBy.by}</span>
            {outcome.verification.existedBy.source === 'tsa' && ' (RFC 3161 timestamp)'}.
          </p>
        )}
        {outcome.verification.existedBy !== undefined &&
          outcome.verification.bundle?.mediaType === BUNDLE_V2_MEDIA_TYPE && (
            <p class="verdict-note" data-testid="existed-by-anchor">
              This bound comes from the first checkpoint that included the record (tree size{' '}
              {outcome.verification.checkpoint?.size}): it does not move as the log grows.
            </p>
          )}
        <p class="verdict-note">
          Checked just now in your browser; this page did not ask the server whether the record is
          valid.
          {outcome.source === 'server' &&
            ' It used the log key offered by this server: pin your own copy of the key (below) for independent assurance.'}
        </p>
      </>
    );
  } else if (
    outcome.state === 'done' &&
    outcome.verification.checks.every((c) => c.status !== 'failed' || c.name === 'content')
  ) {
    // Only the dropped file failed: the record verified, the file is another one.
    const check = outcome.verification.checks.find((c) => c.name === 'content')!;
    headline = 'This file is not the original';
    body = (
      <>
        <p data-testid="content-mismatch">
          This file is not the original: its digest{' '}
          <span class="mono">{check.evidence.actual}</span> differs from the record’s{' '}
          <span class="mono">{check.evidence.expected}</span>.
        </p>
        <p>
          The record itself verified: it is entry {props.index} of the log{' '}
          <strong>{props.origin}</strong>, but it attests another output than this file.
        </p>
      </>
    );
  } else {
    headline = 'Verification failed';
    const failedChecks =
      outcome.state === 'done'
        ? outcome.verification.checks.filter((c) => c.status === 'failed')
        : [];
    body = (
      <>
        <p>Do not rely on this record. What went wrong:</p>
        <ul class="verdict-failures">
          {failedChecks.map((check) => (
            <li key={check.name} data-failed-check={check.name}>
              <strong>{CHECKS[check.name].title}</strong> check failed: {check.summary}.
            </li>
          ))}
        </ul>
      </>
    );
  }
  return (
    <VerdictBox verdict={verdict} headline={headline}>
      {body}
      {outcome.state === 'done' && load.state !== 'error' && (
        <ul class="verdict-checks" aria-label="Checks run">
          {outcome.verification.checks
            .filter((check) => check.status !== 'not-applicable')
            .map((check) => (
              <li key={check.name} class={`mini mini-${check.status}`}>
                <Icon name={check.status} />
                {CHECKS[check.name].title}
                <span class="visually-hidden">: {STATUS_LABEL[check.status]}</span>
              </li>
            ))}
        </ul>
      )}
    </VerdictBox>
  );
}

/** "2026-11-07 14:03:12", for a time followed by "(UTC)". */
function utcTime(time: string): string {
  return formatUtc(time).replace(/ UTC$/, '');
}

function WitnessSection(props: {
  verification: Verification;
  policy: WitnessPolicy | undefined;
  source: KeySource | undefined;
  hash: string;
}) {
  const { verification, policy, source } = props;
  const cosignatures = verification.witnessed?.cosignatures ?? [];
  if (policy === undefined && cosignatures.length === 0) {
    return (
      <section class="card" aria-labelledby="witnesses-heading" data-testid="witnesses">
        <h2 id="witnesses-heading">Witnesses</h2>
        <p data-testid="no-witnesses">
          This log does not name any witnesses, so no one else’s cosignature is checked here; the
          checks above do not depend on them.
        </p>
      </section>
    );
  }
  return (
    <section class="card" aria-labelledby="witnesses-heading" data-testid="witnesses">
      <h2 id="witnesses-heading">Witnesses</h2>
      <p>
        Independent witnesses cosign the log’s checkpoints once they have checked that the log only
        grew. Each cosignature carries the witness’s own clock.
      </p>
      {policy !== undefined ? (
        <p data-testid="witness-policy">
          Required: {policy.quorum} of {policy.keys.length} trusted{' '}
          {policy.keys.length === 1 ? 'witness' : 'witnesses'}{' '}
          {source === 'pinned' ? (
            <>
              (<strong>pinned in this page’s address</strong>,{' '}
              <span class="mono">#witnesses=…</span>
              ).
            </>
          ) : (
            <>
              (<strong>offered by this server</strong>).
            </>
          )}
        </p>
      ) : (
        <p>
          No witness keys to check these cosignatures with: they are listed as the server sent them.
        </p>
      )}
      {cosignatures.length === 0 ? (
        <p>This checkpoint carries no cosignature.</p>
      ) : (
        <div class="table-wrap">
          <table class="recent cosignatures">
            <caption class="visually-hidden">Cosignatures on the checkpoint</caption>
            <thead>
              <tr>
                <th scope="col">Witness (key id)</th>
                <th scope="col">Cosigned at (UTC)</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {cosignatures.map((c, i) => (
                <tr key={i} data-witness={c.name} data-verified={String(c.verified)}>
                  <td>
                    <span class="mono">{c.name}</span>
                    <span class="cosignature-key">
                      key id <span class="mono">{c.keyId}</span>
                    </span>
                  </td>
                  <td>
                    <time dateTime={c.time}>
                      <span class="unbroken">{utcTime(c.time).slice(0, 10)}</span>{' '}
                      <span class="unbroken">{utcTime(c.time).slice(11)}</span>
                    </time>
                  </td>
                  <td>
                    <span class={`status status-${c.verified ? 'passed' : 'not-applicable'}`}>
                      {c.verified ? 'Verified' : 'Not verified'}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {policy !== undefined && source === 'server' && (
        <p class="key-actions">
          <a href={pinWitnessesHash(policy, props.hash)} class="button button-secondary">
            Pin these witnesses in the address
          </a>
        </p>
      )}
    </section>
  );
}

function RecordSection(props: {
  record: RecordV1;
  id: string;
  index: number | undefined;
  log: string;
  origin: string;
  trusted: boolean;
}) {
  const { record } = props;
  const labels = Object.entries(record.labels ?? {});
  const commitments = Object.keys(record.commitments ?? {});
  return (
    <section class="card" aria-labelledby="record-heading">
      <h2 id="record-heading">What was recorded</h2>
      {!props.trusted && (
        <p class="warning">
          Shown as the server sent it. The checks below did not all pass: do not rely on it.
        </p>
      )}
      <Facts>
        <Fact label="Type">{record.type}</Fact>
        {record.subject !== undefined && <Fact label="Subject">{record.subject}</Fact>}
        {labels.length > 0 && (
          <Fact label="Labels">
            <ul class="chips">
              {labels.map(([name, value]) => (
                <li key={name} class="chip">
                  <span class="chip-name">{name}</span> {value}
                </li>
              ))}
            </ul>
          </Fact>
        )}
        {record.controls !== undefined && (
          <Fact label="Evidence for controls">
            <ul class="chips">
              {record.controls.map((control) => (
                <li key={control} class="chip chip-control">
                  {control}
                </li>
              ))}
            </ul>
          </Fact>
        )}
        <Fact label="Logged at (the log’s time)">{formatUtc(record.time)}</Fact>
        <Fact label="Output fingerprint" mono>
          {record.digest}
        </Fact>
        <Fact label="Position in the log">
          entry {props.index} of <Link href={`/logs/${props.log}`}>{props.log}</Link>
        </Fact>
        <Fact label="Log origin" mono>
          {props.origin}
        </Fact>
        <Fact label="Submitted by (tenant)">{record.tenant}</Fact>
        {commitments.length > 0 && (
          <Fact label="Private values">
            {plural(commitments.length, 'salted commitment')} ({commitments.join(', ')}): their
            values are not in the log.
          </Fact>
        )}
        {record.issuer !== undefined && (
          <Fact label="Issuer signature" mono>
            {record.issuer.key}
          </Fact>
        )}
      </Facts>
    </section>
  );
}

/** The checks with what each proves and its evidence; `title` and `intro` name the list. */
export function CheckList(props: {
  checks: readonly Check[];
  title?: string;
  intro?: string;
  testId?: string;
}) {
  const { checks } = props;
  const heading = useId();
  return (
    <section class="card" aria-labelledby={heading} data-testid={props.testId}>
      <h2 id={heading}>{props.title ?? 'The checks'}</h2>
      <p>
        {props.intro ??
          'Each check was run by this page, with the key shown below. Open one to see its evidence.'}
      </p>
      <ol class="checks">
        {checks.map((check) => (
          <li
            key={check.name}
            class={`check check-${check.status}`}
            data-check={check.name}
            data-status={check.status}
          >
            <Icon name={check.status} />
            <div class="check-body">
              <p class="check-head">
                <span class="check-title">{CHECKS[check.name].title}</span>
                <span class={`status status-${check.status}`}>{STATUS_LABEL[check.status]}</span>
              </p>
              <p class="check-proves">{CHECKS[check.name].proves}</p>
              <p class="check-summary">
                {check.name === 'content' && check.status === 'not-applicable'
                  ? 'Not part of this verification: use “Is this the original file?” above.'
                  : sentence(check.summary)}
              </p>
              {Object.keys(check.evidence).length > 0 && (
                <details class="evidence">
                  <summary>Evidence</summary>
                  <dl>
                    {Object.entries(check.evidence).map(([name, value]) => (
                      <div key={name} class="evidence-item">
                        <dt>{evidenceLabel(name)}</dt>
                        <dd>{value.includes('\n') ? <pre>{value}</pre> : <code>{value}</code>}</dd>
                      </div>
                    ))}
                  </dl>
                </details>
              )}
            </div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function KeyPanel(props: {
  log: string;
  serverLog: LogInfo | undefined;
  serverLogError: string | undefined;
  outcome: Outcome;
  pinned: string | undefined;
  hash: string;
}) {
  const { log, serverLog, outcome, pinned, hash } = props;
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const keyUsed = pinned ?? serverLog?.verifierKey;
  const submit = (event: Event) => {
    event.preventDefault();
    const key = draft.trim();
    try {
      parseVerifierKey(key);
    } catch (err) {
      setError(`That is not a log verifier key: ${messageOf(err)}.`);
      return;
    }
    setError(undefined);
    setDraft('');
    replaceHash(pinHash(key, hash));
  };
  return (
    <section class="card" aria-labelledby="key-heading">
      <h2 id="key-heading">The log key</h2>
      <p>
        Everything above rests on one thing you have to trust: the log’s public key. Anyone can
        check the signatures with it; only the log can make them.
      </p>
      {keyUsed !== undefined ? (
        <div class="key-box">
          <p class="key-label">
            {outcome.state === 'done' || outcome.state === 'bad-key' ? 'Key used' : 'Key'}
          </p>
          <code class="key" data-testid="key-used">
            {keyUsed}
          </code>
          <CopyButton text={keyUsed} label="Copy key" />
        </div>
      ) : (
        <p class="warning">
          This server did not offer a key for the log {log}
          {props.serverLogError ? ` (${props.serverLogError})` : ''}.
        </p>
      )}
      <p class="key-source" data-testid="key-source">
        {pinned === undefined ? (
          <>
            <strong>Offered by this server</strong> (at{' '}
            <a href={logPath(log)} class="mono">
              {logPath(log)}
            </a>
            ) — pin your own for independent assurance. A server that forged a record could offer a
            forged key too.
          </>
        ) : (
          <>
            <strong>Pinned in this page’s address</strong> (<span class="mono">#key=…</span>; the
            part after # is never sent to the server).{' '}
            {serverLog !== undefined &&
              (serverLog.verifierKey === pinned
                ? 'It is the same key this server offers.'
                : 'This server offers a different key.')}
          </>
        )}
      </p>
      <p>
        Get the key independently: from the log’s operator, from{' '}
        <span class="mono">proofline log-key --data DIR --log {log}</span> on the log’s machine, or
        from <span class="mono">{logPath(log)}</span> fetched earlier or from elsewhere.
      </p>
      <p data-testid="witness-pin-help">
        Witnesses are pinned the same way: add{' '}
        <span class="mono">witnesses=&lt;quorum&gt;:&lt;witness key&gt;,&lt;witness key&gt;…</span>{' '}
        (URL-encoded) after the <span class="mono">#</span>, joined to a pinned key with{' '}
        <span class="mono">&amp;</span>. The record then verifies only if that many of those
        witnesses cosigned its checkpoint.
      </p>
      <form class="key-form" onSubmit={submit} noValidate>
        <label for="key-input">Verify with another key</label>
        <div class="key-form-row">
          <input
            id="key-input"
            class="input mono"
            type="text"
            autoComplete="off"
            autoCapitalize="off"
            spellcheck={false}
            placeholder="name+1234abcd+AQ…"
            value={draft}
            aria-invalid={error !== undefined}
            aria-describedby={error !== undefined ? 'key-error' : undefined}
            onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="button">
            Verify with this key
          </button>
        </div>
        {error !== undefined && (
          <p id="key-error" class="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
      <p class="key-actions">
        {keyUsed !== undefined && pinned === undefined && (
          <a href={pinHash(keyUsed, hash)} class="button button-secondary">
            Pin this key in the address
          </a>
        )}
        {pinned !== undefined && (
          <button
            type="button"
            class="button button-secondary"
            onClick={() => replaceHash(pinHash(undefined, hash))}
          >
            Use the server’s key instead
          </button>
        )}
      </p>
    </section>
  );
}

/**
 * The download links: same-origin API links, or, for a record opened with a share link (which
 * a plain link could not send), `data:` URLs of the bundle the page already holds.
 */
function downloads(id: string, sharedBundle: string | undefined): { json: string; tlog?: string } {
  if (sharedBundle === undefined) return { json: proofUrl(id), tlog: proofUrl(id, 'tlog-proof') };
  const json = `data:application/json;charset=utf-8,${encodeURIComponent(sharedBundle)}`;
  try {
    const text = formatTlogProof(bundleToTlogProof(parseBundle(sharedBundle)));
    return { json, tlog: `data:text/plain;charset=utf-8,${encodeURIComponent(text)}` };
  } catch {
    return { json };
  }
}

function OfflineSection({
  id,
  keyUsed,
  sharedBundle,
}: {
  id: string;
  keyUsed: string | undefined;
  sharedBundle?: string;
}) {
  const links = downloads(id, sharedBundle);
  const command = `proofline verify ${id}.bundle.json --log-key ${shellQuote(keyUsed ?? '<log verifier key>')}`;
  return (
    <section class="card" aria-labelledby="offline-heading">
      <h2 id="offline-heading">Keep a copy, check it anywhere</h2>
      <p>The proof is self-contained: save it, and check it again later without this website.</p>
      <p class="downloads">
        <a class="button" href={links.json} download={`${id}.bundle.json`}>
          Download the proof bundle (JSON)
        </a>
        {links.tlog !== undefined && (
          <a class="button button-secondary" href={links.tlog} download={`${id}.tlog-proof`}>
            Download as .tlog-proof
          </a>
        )}
      </p>
      <p>Then re-check it offline with the Proofline command:</p>
      <div class="command">
        <pre data-testid="offline-command">
          <code>{command}</code>
        </pre>
        <CopyButton text={command} label="Copy command" />
      </div>
    </section>
  );
}
