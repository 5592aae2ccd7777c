import { useEffect, useState } from 'preact/hooks';
import { base64Encode, openCheckpoint, parseVerifierKey, type Checkpoint } from '@proofline/note';
import { parseRecord, parseRecordId, recordId, type RecordV1 } from '@proofline/records';
import { TILE_WIDTH, decodeEntryBundle, entryBundlePath } from '@proofline/tlog';
import { contentDigest, type DigestAlgorithm } from '@proofline/verify';
import {
  fetchCheckpoint,
  fetchLog,
  fetchLogs,
  fetchTile,
  logPath,
  lookupDigest,
  type LogInfo,
  type LookupRecord,
} from './api.js';
import { CopyButton, DropZone, Fact, Facts, Icon, readFileBytes } from './components.js';
import { ago, formatUtc, messageOf, plural, shellQuote } from './format.js';
import { Link, navigate } from './router.js';

type Logs =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly detail: string }
  | { readonly state: 'loaded'; readonly logs: readonly LogInfo[] };

export function ExplorerPage({ log }: { log?: string }) {
  const [logs, setLogs] = useState<Logs>({ state: 'loading' });
  useEffect(() => {
    let cancelled = false;
    setLogs({ state: 'loading' });
    (log === undefined ? fetchLogs() : fetchLog(log).then((info) => [info])).then(
      (list) => !cancelled && setLogs({ state: 'loaded', logs: list }),
      (err: unknown) => !cancelled && setLogs({ state: 'error', detail: messageOf(err) }),
    );
    document.title = log === undefined ? 'Logs · Proofline' : `Log ${log} · Proofline`;
    return () => {
      cancelled = true;
    };
  }, [log]);

  return (
    <main id="main" class="page">
      {log === undefined ? (
        <header class="intro">
          <h1>Check a record yourself</h1>
          <p class="lead">
            Every record in these logs can be checked by anyone, here in your browser, without
            trusting this server: the logs are signed and append-only.
          </p>
        </header>
      ) : (
        <header class="intro">
          <p class="eyebrow">
            <Link href="/">All logs</Link>
          </p>
          <h1>
            Log <span class="mono">{log}</span>
          </h1>
        </header>
      )}

      {log === undefined && <Lookup />}

      {logs.state === 'loading' && <p class="muted">Loading the logs…</p>}
      {logs.state === 'error' && (
        <p class="warning" role="alert">
          The logs could not be loaded: {logs.detail}.
        </p>
      )}
      {logs.state === 'loaded' && logs.logs.length === 0 && (
        <p class="muted">This server has no logs yet.</p>
      )}
      {logs.state === 'loaded' && (
        <div class="logs">
          {logs.logs.map((info) => (
            <LogCard key={info.name} info={info} single={log !== undefined} />
          ))}
        </div>
      )}
    </main>
  );
}

function Lookup() {
  const [id, setId] = useState('');
  const [idError, setIdError] = useState<string | undefined>();
  const open = (event: Event) => {
    event.preventDefault();
    const value = id.trim();
    try {
      parseRecordId(value);
    } catch {
      setIdError('A record id looks like default-42: the log’s name, a dash and a position.');
      return;
    }
    setIdError(undefined);
    navigate(`/r/${encodeURIComponent(value)}`);
  };
  return (
    <section class="card" aria-labelledby="lookup-heading">
      <h2 id="lookup-heading">Find a record</h2>
      <div class="lookup">
        <form class="lookup-id" onSubmit={open} noValidate>
          <label for="record-id">By its id</label>
          <div class="key-form-row">
            <input
              id="record-id"
              class="input mono"
              type="text"
              autoComplete="off"
              autoCapitalize="off"
              spellcheck={false}
              placeholder="default-42"
              value={id}
              aria-invalid={idError !== undefined}
              aria-describedby={idError !== undefined ? 'record-id-error' : undefined}
              onInput={(e) => setId((e.currentTarget as HTMLInputElement).value)}
            />
            <button type="submit" class="button">
              Open
            </button>
          </div>
          {idError !== undefined && (
            <p id="record-id-error" class="field-error" role="alert">
              {idError}
            </p>
          )}
          <p class="muted hint">
            A record’s id is on its receipt and in its verification link, like
            <span class="mono"> /r/default-42</span>. Opening it checks its proof here, in your
            browser.
          </p>
        </form>
        <FileLookup />
      </div>
    </section>
  );
}

type Found =
  | { readonly state: 'idle' }
  | { readonly state: 'searching'; readonly name: string }
  | { readonly state: 'done'; readonly name: string; readonly records: readonly LookupRecord[] }
  | { readonly state: 'error'; readonly name: string; readonly detail: string };

const ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha384', 'sha512'];

function FileLookup() {
  const [found, setFound] = useState<Found>({ state: 'idle' });
  const search = async (file: File) => {
    setFound({ state: 'searching', name: file.name });
    try {
      const bytes = await readFileBytes(file);
      const digests = await Promise.all(ALGORITHMS.map((a) => contentDigest(bytes, a)));
      const results = await Promise.all(digests.map((d) => lookupDigest(d)));
      setFound({ state: 'done', name: file.name, records: results.flat() });
    } catch (err) {
      setFound({ state: 'error', name: file.name, detail: messageOf(err) });
    }
  };
  return (
    <div class="lookup-file">
      <p class="label">By the file it is about</p>
      <DropZone
        title="Drop a file here, or choose it"
        hint="Only its fingerprint (hash) is sent to look it up; the file stays on your device."
        testId="lookup-file"
        onFile={(file) => void search(file)}
      />
      <div aria-live="polite" data-testid="lookup-result">
        {found.state === 'searching' && <p>Looking up {found.name}…</p>}
        {found.state === 'error' && (
          <p class="result result-failed">
            <Icon name="failed" /> The lookup failed: {found.detail}.
          </p>
        )}
        {found.state === 'done' &&
          (found.records.length === 0 ? (
            <p class="result">No record in these logs is about {found.name}.</p>
          ) : (
            <>
              <p class="result">
                {plural(found.records.length, 'record')} about {found.name}:
              </p>
              <ul class="found">
                {found.records.map((r) => (
                  <li key={r.id}>
                    <Link href={`/r/${encodeURIComponent(r.id)}`} class="mono">
                      {r.id}
                    </Link>
                  </li>
                ))}
              </ul>
            </>
          ))}
      </div>
    </div>
  );
}

type CheckpointState =
  | { readonly state: 'loading' }
  | { readonly state: 'none'; readonly detail: string }
  | {
      readonly state: 'loaded';
      readonly note: string;
      readonly fetchedAt: Date;
      readonly checkpoint?: Checkpoint;
      readonly signatureError?: string;
    };

interface RecentEntry {
  readonly index: number;
  readonly record?: RecordV1;
  readonly size: number;
}

type Recent =
  | { readonly state: 'loading' }
  /** A private log: its entries are not served to this page, only its tree. */
  | { readonly state: 'private' }
  | { readonly state: 'error'; readonly detail: string }
  | { readonly state: 'loaded'; readonly entries: readonly RecentEntry[] };

function LogCard({ info, single }: { info: LogInfo; single: boolean }) {
  const [cp, setCp] = useState<CheckpointState>({ state: 'loading' });
  const [recent, setRecent] = useState<Recent>({ state: 'loading' });
  const count = single ? 25 : 5;

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      let note: string;
      let fetchedAt: Date;
      try {
        ({ note, fetchedAt } = await fetchCheckpoint(info.name));
      } catch (err) {
        if (!cancelled) setCp({ state: 'none', detail: messageOf(err) });
        return;
      }
      let checkpoint: Checkpoint | undefined;
      let signatureError: string | undefined;
      try {
        ({ checkpoint } = await openCheckpoint(
          note,
          info.origin,
          parseVerifierKey(info.verifierKey),
        ));
      } catch (err) {
        signatureError = messageOf(err);
      }
      if (cancelled) return;
      setCp({ state: 'loaded', note, fetchedAt, checkpoint, signatureError });
      if (checkpoint === undefined) {
        setRecent({ state: 'error', detail: 'the checkpoint did not verify' });
        return;
      }
      if (info.visibility === 'private') {
        setRecent({ state: 'private' });
        return;
      }
      try {
        const entries = await recentEntries(info.name, checkpoint.size, count);
        if (!cancelled) setRecent({ state: 'loaded', entries });
      } catch (err) {
        if (!cancelled) setRecent({ state: 'error', detail: messageOf(err) });
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [info.name, info.origin, info.verifierKey, info.visibility, count]);

  const auditUrl = `${location.origin}${logPath(info.name)}`;
  const audit = `proofline audit ${auditUrl} --log-key ${shellQuote(info.verifierKey)}`;

  return (
    <section class="card log" aria-labelledby={`log-${info.name}`} data-log={info.name}>
      <div class="log-head">
        <h2 id={`log-${info.name}`}>
          {single ? (
            <span class="mono">{info.name}</span>
          ) : (
            <Link href={`/logs/${encodeURIComponent(info.name)}`} class="mono">
              {info.name}
            </Link>
          )}
        </h2>
        <p class="mono muted log-origin">{info.origin}</p>
        {info.visibility === 'private' && (
          <span class="badge" data-testid="private-log">
            Private log
          </span>
        )}
      </div>

      {cp.state === 'loading' && <p class="muted">Fetching the latest checkpoint…</p>}
      {cp.state === 'none' && <p class="muted">No checkpoint yet: {cp.detail}.</p>}
      {cp.state === 'loaded' && (
        <>
          <div class="stats">
            <div class="stat">
              <span class="stat-value" data-testid="tree-size">
                {cp.checkpoint ? cp.checkpoint.size.toLocaleString('en-US') : '—'}
              </span>
              <span class="stat-label">
                {cp.checkpoint?.size === 1 ? 'entry' : 'entries'} in the log (tree size)
              </span>
            </div>
            <div class="stat">
              {cp.checkpoint ? (
                <span class="badge badge-passed" data-testid="checkpoint-signature">
                  <Icon name="passed" /> Signature valid
                </span>
              ) : (
                <span class="badge badge-failed" data-testid="checkpoint-signature">
                  <Icon name="failed" /> Signature invalid
                </span>
              )}
              <span class="stat-label">checked in your browser with the key below</span>
            </div>
            <div class="stat">
              <span class="stat-value stat-small">{ago(cp.fetchedAt)}</span>
              <span class="stat-label">fetched {formatUtc(cp.fetchedAt)}</span>
            </div>
          </div>
          {cp.signatureError !== undefined && (
            <p class="warning">The checkpoint does not verify: {cp.signatureError}.</p>
          )}
          {cp.checkpoint && (
            <Facts>
              <Fact label="Root hash" mono>
                {base64Encode(cp.checkpoint.rootHash)}
              </Fact>
            </Facts>
          )}
          <details class="evidence">
            <summary>Signed checkpoint</summary>
            <pre>{cp.note}</pre>
          </details>
        </>
      )}

      <h3>Latest records</h3>
      {recent.state === 'loading' && cp.state !== 'none' && <p class="muted">Loading…</p>}
      {recent.state === 'error' && cp.state !== 'none' && (
        <p class="muted">The latest records could not be shown: {recent.detail}.</p>
      )}
      {recent.state === 'private' && (
        <p class="muted" data-testid="private-entries">
          This log is private: its records are shown only to its owner and to holders of a record’s
          share link. Its tree (size, root hash and signed checkpoint above) and hash tiles are
          public, so anyone can check that it only ever grows.
        </p>
      )}
      {recent.state === 'loaded' && recent.entries.length === 0 && (
        <p class="muted">The log is empty.</p>
      )}
      {recent.state === 'loaded' && recent.entries.length > 0 && (
        <RecentTable log={info.name} entries={recent.entries} />
      )}

      <h3>Log key</h3>
      <div class="key-box">
        <code class="key">{info.verifierKey}</code>
        <CopyButton text={info.verifierKey} label="Copy key" />
      </div>
      <p class="muted">
        Offered by this server. Compare it with a copy from the log’s operator (
        <span class="mono">proofline log-key</span>) and pin it on the record pages.
        {info.visibility === 'private'
          ? ' Its entries are private: its owner checks the whole log, every entry and tile, with an audit:read key of its tenant in PROOFLINE_API_KEY:'
          : ' Check the whole log, every entry and tile, with:'}
      </p>
      <div class="command">
        <pre>
          <code>{audit}</code>
        </pre>
        <CopyButton text={audit} label="Copy command" />
      </div>
    </section>
  );
}

function RecentTable({ log, entries }: { log: string; entries: readonly RecentEntry[] }) {
  return (
    <div class="table-wrap">
      <table class="recent">
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Type</th>
            <th scope="col" class="hide-narrow">
              Subject
            </th>
            <th scope="col">Logged at</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const id = recordId(log, entry.index);
            return (
              <tr key={entry.index}>
                <td>
                  <Link href={`/r/${encodeURIComponent(id)}`} class="mono">
                    {id}
                  </Link>
                </td>
                {entry.record ? (
                  <>
                    <td>{entry.record.type}</td>
                    <td class="hide-narrow">{entry.record.subject ?? ''}</td>
                    <td class="nowrap">{formatUtc(entry.record.time)}</td>
                  </>
                ) : entry.size === 0 ? (
                  <td colSpan={3} class="muted" data-testid="erased-entry">
                    erased: its bytes are gone, its leaf hash stays (its page links the erasure
                    record)
                  </td>
                ) : (
                  <td colSpan={3} class="muted">
                    not a Proofline record ({plural(entry.size, 'byte')})
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * The last `count` entries of a tree of `size`, newest first, read from the entry bundles
 * (tlog-tiles `tile/entries/...`) that the checkpoint covers and parsed here.
 */
async function recentEntries(log: string, size: number, count: number): Promise<RecentEntry[]> {
  const out: RecentEntry[] = [];
  let end = size;
  while (end > 0 && out.length < count) {
    const tile = Math.floor((end - 1) / TILE_WIDTH);
    const start = tile * TILE_WIDTH;
    const entries = decodeEntryBundle(await fetchTile(log, entryBundlePath(tile, end - start)));
    if (entries.length !== end - start) throw new Error('an entry bundle has the wrong size');
    for (let i = entries.length - 1; i >= 0 && out.length < count; i--) {
      const entry = entries[i]!;
      let record: RecordV1 | undefined;
      try {
        record = parseRecord(entry);
      } catch {
        record = undefined;
      }
      out.push({ index: start + i, size: entry.length, ...(record ? { record } : {}) });
    }
    end = start;
  }
  return out;
}
