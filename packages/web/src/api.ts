/**
 * The public read API of the Proofline server this page was loaded from. Nothing here asks
 * the server whether something is valid: it only fetches the material that the page then
 * checks itself.
 */

import { CodedError } from '@proofline/tlog';

/**
 * A failed request: for RFC 9457 problems the stable code, else `http-<status>` (or a
 * transport failure's code), with the HTTP status (0 when none arrived) in `details`.
 */
export class ApiError extends CodedError<string, { readonly status: number }> {
  declare readonly details: { readonly status: number };

  constructor(
    status: number,
    code: string,
    message: string,
    /** record-erased: the id of the log's erasure record for the record, when the server named it. */
    readonly erasure?: string,
  ) {
    super(code, message, { details: { status } });
    this.name = 'ApiError';
  }

  /** `details.status`. */
  get status(): number {
    return this.details.status;
  }
}

/** A log as `GET /logs` and `GET /logs/<name>/` describe it. */
export interface LogInfo {
  readonly name: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly prefix: string;
  /**
   * `private`: the log's entries need a key of its tenant or a record's share link; its
   * checkpoint and hash tiles are public. Absent (older servers): public.
   */
  readonly visibility?: 'public' | 'private';
  /**
   * The witness policy the log's checkpoints are published under, when it is witnessed:
   * c2sp.org/tlog-cosignature verifier keys and how many of them must cosign.
   */
  readonly witnesses?: WitnessPolicy;
  /**
   * The RFC 3161 time-stamping authorities that timestamp the log's checkpoints: base64 DER
   * root certificates, as TrustPolicy.timestampAuthorities takes them.
   */
  readonly timestampAuthorities?: { readonly roots: readonly string[] };
}

/** A witness policy, as TrustPolicy.witnesses takes it. */
export interface WitnessPolicy {
  readonly keys: readonly string[];
  readonly quorum: number;
}

/** A record found by `GET /v1/lookup?digest=`. */
export interface LookupRecord {
  readonly id: string;
  readonly log: string;
  readonly index: number;
}

async function request(
  url: string,
  accept: string,
  cache: RequestCache = 'no-cache',
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept, ...extraHeaders },
      credentials: 'omit',
      cache,
    });
  } catch {
    throw new ApiError(0, 'network', 'the server could not be reached');
  }
  if (response.ok) return response;
  let code = `http-${response.status}`;
  let detail = `the server answered ${response.status} ${response.statusText}`.trim();
  let erasure: string | undefined;
  try {
    const problem = (await response.json()) as {
      code?: unknown;
      detail?: unknown;
      erasure?: unknown;
    };
    if (typeof problem.code === 'string') code = problem.code;
    if (typeof problem.detail === 'string') detail = problem.detail;
    if (typeof problem.erasure === 'string') erasure = problem.erasure;
  } catch {
    // Not a problem document: keep the status line.
  }
  throw new ApiError(response.status, code, detail, erasure);
}

async function json<T>(url: string): Promise<T> {
  const response = await request(url, 'application/json');
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(response.status, 'invalid-json', 'the server sent invalid JSON');
  }
}

function isLogInfo(value: unknown): value is LogInfo {
  const v = value as Partial<Record<keyof LogInfo, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.name === 'string' &&
    typeof v.origin === 'string' &&
    typeof v.verifierKey === 'string' &&
    typeof v.prefix === 'string' &&
    (v.visibility === undefined || v.visibility === 'public' || v.visibility === 'private') &&
    (v.witnesses === undefined || isWitnessPolicy(v.witnesses)) &&
    (v.timestampAuthorities === undefined || isTsaPolicy(v.timestampAuthorities))
  );
}

function isTsaPolicy(value: unknown): value is { readonly roots: readonly string[] } {
  const v = value as { roots?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.roots) &&
    v.roots.every((r) => typeof r === 'string')
  );
}

function isWitnessPolicy(value: unknown): value is WitnessPolicy {
  const v = value as Partial<Record<keyof WitnessPolicy, unknown>> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray(v.keys) &&
    v.keys.every((k) => typeof k === 'string') &&
    Number.isSafeInteger(v.quorum)
  );
}

export function logPath(name: string): string {
  return `/logs/${encodeURIComponent(name)}/`;
}

export function proofUrl(id: string, format?: 'tlog-proof'): string {
  const base = `/v1/records/${encodeURIComponent(id)}/proof`;
  return format === undefined ? base : `${base}?format=${format}`;
}

export async function fetchLogs(): Promise<LogInfo[]> {
  const body = await json<{ logs?: unknown }>('/logs');
  if (!Array.isArray(body.logs) || !body.logs.every(isLogInfo)) {
    throw new ApiError(200, 'invalid-response', 'the server sent an unexpected list of logs');
  }
  return body.logs;
}

export async function fetchLog(name: string): Promise<LogInfo> {
  const body = await json<unknown>(logPath(name));
  if (!isLogInfo(body)) {
    throw new ApiError(200, 'invalid-response', 'the server sent an unexpected log description');
  }
  return body;
}

/**
 * The proof bundle's JSON text, exactly as served (it is verified as text). `shareToken`, a
 * record's share link token (from the page's fragment), goes in the Proofline-Share header,
 * never in the URL: it opens that record of a private log.
 */
export async function fetchBundleText(id: string, shareToken?: string): Promise<string> {
  const response = await request(
    proofUrl(id),
    'application/vnd.proofline.bundle.v2+json, application/vnd.proofline.bundle.v1+json;q=0.9',
    shareToken === undefined ? 'no-cache' : 'no-store',
    shareToken === undefined ? {} : { 'proofline-share': shareToken },
  );
  return response.text();
}

/** The latest signed checkpoint of a log and when it was fetched. */
export async function fetchCheckpoint(name: string): Promise<{ note: string; fetchedAt: Date }> {
  const response = await request(`${logPath(name)}checkpoint`, 'text/plain');
  const date = response.headers.get('date');
  const fetchedAt = date === null || Number.isNaN(Date.parse(date)) ? new Date() : new Date(date);
  return { note: await response.text(), fetchedAt };
}

/** An entry bundle (tlog-tiles `tile/entries/...`): raw bytes, decoded by the caller. */
export async function fetchTile(name: string, path: string): Promise<Uint8Array> {
  // Tiles are immutable: the browser's cache may answer.
  const response = await request(`${logPath(name)}${path}`, 'application/octet-stream', 'default');
  return new Uint8Array(await response.arrayBuffer());
}

export async function lookupDigest(digest: string): Promise<LookupRecord[]> {
  const body = await json<{ records?: unknown }>(`/v1/lookup?digest=${encodeURIComponent(digest)}`);
  if (!Array.isArray(body.records)) {
    throw new ApiError(200, 'invalid-response', 'the server sent an unexpected lookup result');
  }
  return body.records.filter(
    (r): r is LookupRecord =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as LookupRecord).id === 'string' &&
      typeof (r as LookupRecord).log === 'string' &&
      Number.isSafeInteger((r as LookupRecord).index),
  );
}
