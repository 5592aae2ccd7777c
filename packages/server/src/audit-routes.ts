import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  CSV_HEADER,
  POPULATION_MEDIA_TYPE,
  PROOF_MEDIA_TYPE,
  csvRow,
  filterProblem,
  matchesFilter,
  populationErasedLine,
  populationExcludedLine,
  populationRecordLine,
  populationTrailer,
  formatTime,
  parseTime,
  recordId,
  type PopulationFilter,
  type PopulationProofDocument,
} from '@proofline/records';
import { readTilesAt, type Storage, type StoredCheckpoint } from '@proofline/storage';
import {
  coveringNodes,
  leafHash,
  proveConsistency,
  tileHashReader,
  type HashReader,
  type NodeId,
} from '@proofline/tlog';
import { anchoredBundleLines } from './audit-bundles.js';
import type { Authenticator, Principal, RateLimiter } from './auth.js';
import { ServiceError, invalidRequest as invalid } from './service-error.js';
import type { LogRuntime, RecordService } from './records/service.js';
import { nodeBase64Encode } from '@proofline/note/node';
import { storedRecord } from './stored-record.js';

/**
 * The auditor's read API (scope `audit:read`, or `admin`), for the key's tenant's logs only:
 *
 * - `GET /v1/audit/population`: the records of a period `[from, to)` (log time), as one JSON
 *   page (`format=json`, with `limit` and `cursor`), or streamed as CSV or as a population
 *   file (`format=jsonl`: the completeness proof, one line per entry of the period, a trailer).
 * - `GET /v1/audit/population/proof`: the completeness proof alone (for CSV listings).
 * - `GET /v1/audit/controls`: per control id, the number of records in the period.
 * - `GET /v1/audit/bundles`: v2 proof bundles of chosen indices, each anchored to the first
 *   checkpoint that covered it and linked (`latest`) to a published checkpoint of a given size
 *   (the end checkpoint of a population proof), as JSON lines (see audit-bundles.ts).
 *
 * Formats and what the proof proves: docs/evidence.md. Nothing here writes.
 */
export interface AuditRouteOptions {
  readonly service: RecordService;
  readonly storage: Storage;
  readonly auth: Authenticator;
  readonly limiter: RateLimiter;
}

/** Checkpoints read from a log's history to find the ones that bound a period. */
const MAX_HISTORY = 10_000_000;
const READ_CHUNK = 1000;
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
/** Indices per bundle request: keeps the URL well under common header limits. */
export const MAX_BUNDLES_PER_REQUEST = 256;
const INDEX = /^(0|[1-9]\d{0,15})$/;

type Query = Record<string, string | string[] | undefined>;

interface Period {
  readonly runtime: LogRuntime;
  readonly fromMs: number;
  readonly toMs: number;
  readonly filter: PopulationFilter;
}

export function registerAuditRoutes(app: FastifyInstance, o: AuditRouteOptions): void {
  const authorize = async (request: FastifyRequest): Promise<Principal> => {
    const principal = await o.auth.authenticate(request, 'audit:read');
    o.limiter.take(principal);
    return principal;
  };

  app.get('/v1/audit/population', async (request, reply) => {
    const principal = await authorize(request);
    const query = strictQuery(request.query, [
      'log',
      'from',
      'to',
      'type',
      'control',
      'label',
      'format',
      'limit',
      'cursor',
    ]);
    const period = await parsePeriod(o, principal, query, true);
    const format = single(query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'jsonl' && format !== 'csv') {
      throw invalid('format must be json, jsonl or csv');
    }
    if (format !== 'json' && (query.limit !== undefined || query.cursor !== undefined)) {
      throw invalid(`format=${format} streams the whole period: limit and cursor are for json`);
    }
    const log = period.runtime.config.name;
    const proof = await buildProof(o.storage, period);
    const { start, end } = proof.range;
    reply.header('cache-control', 'no-store');
    if (format === 'json') {
      const limit = integerParam(query, 'limit', 1, MAX_PAGE) ?? DEFAULT_PAGE;
      const cursor = integerParam(query, 'cursor', 0, Number.MAX_SAFE_INTEGER) ?? start;
      const records: unknown[] = [];
      let index = Math.max(start, cursor);
      // One page reads at most ten pages' worth of entries, so a selective filter stays bounded.
      const budgetEnd = Math.min(end, index + 10 * limit);
      while (index < budgetEnd && records.length < limit) {
        const entries = await o.storage.readEntries(
          log,
          index,
          Math.min(budgetEnd, index + READ_CHUNK),
        );
        for (const entry of entries) {
          const record = entry.length === 0 ? undefined : storedRecord(log, index, entry);
          if (record !== undefined && matchesFilter(record, period.filter)) {
            records.push({
              index,
              id: recordId(log, index),
              entry: nodeBase64Encode(entry),
              record,
            });
          }
          index++;
          if (records.length === limit) break;
        }
      }
      return reply
        .type('application/json; charset=utf-8')
        .send({ ...proof, records, next: index < end ? String(index) : null });
    }
    const name = `population-${log}-${proof.from.slice(0, 10)}-${proof.to.slice(0, 10)}`;
    if (format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8; header=present')
        .header('content-disposition', `attachment; filename="${name}.csv"`)
        .send(Readable.from(csvLines(o.storage, period, start, end)));
    }
    return reply
      .type(`${POPULATION_MEDIA_TYPE}; charset=utf-8`)
      .header('content-disposition', `attachment; filename="${name}.jsonl"`)
      .send(Readable.from(populationLines(o.storage, period, proof)));
  });

  app.get('/v1/audit/population/proof', async (request, reply) => {
    const principal = await authorize(request);
    const query = strictQuery(request.query, ['log', 'from', 'to', 'type', 'control', 'label']);
    const proof = await buildProof(o.storage, await parsePeriod(o, principal, query, true));
    return reply.header('cache-control', 'no-store').type(PROOF_MEDIA_TYPE).send(proof);
  });

  app.get('/v1/audit/controls', async (request, reply) => {
    const principal = await authorize(request);
    const query = strictQuery(request.query, ['log', 'from', 'to']);
    const period = await parsePeriod(o, principal, query, false);
    const log = period.runtime.config.name;
    const range = await o.storage.indexRangeForTime(log, period.fromMs, period.toMs);
    const controls = new Map<string, { records: number; types: Map<string, number> }>();
    let without = 0;
    for (let index = range.start; index < range.end; index += READ_CHUNK) {
      const entries = await o.storage.readEntries(
        log,
        index,
        Math.min(range.end, index + READ_CHUNK),
      );
      for (const [i, entry] of entries.entries()) {
        if (entry.length === 0) continue; // erased: no longer a record
        const record = storedRecord(log, index + i, entry);
        if (!record.controls) without++;
        for (const id of record.controls ?? []) {
          const c = controls.get(id) ?? { records: 0, types: new Map<string, number>() };
          c.records++;
          c.types.set(record.type, (c.types.get(record.type) ?? 0) + 1);
          controls.set(id, c);
        }
      }
    }
    return reply.header('cache-control', 'no-store').send({
      log,
      origin: period.runtime.config.origin,
      from: formatTime(period.fromMs),
      to: formatTime(period.toMs),
      range,
      records: range.end - range.start,
      withoutControls: without,
      controls: [...controls.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, c]) => ({
          id,
          records: c.records,
          types: Object.fromEntries([...c.types.entries()].sort(([a], [b]) => (a < b ? -1 : 1))),
        })),
    });
  });

  app.get('/v1/audit/bundles', async (request, reply) => {
    const principal = await authorize(request);
    const query = strictQuery(request.query, ['log', 'size', 'indices']);
    const runtime = await o.service.logFor(principal, single(query, 'log'));
    const log = runtime.config.name;
    const size = integerParam(query, 'size', 1, Number.MAX_SAFE_INTEGER);
    if (size === undefined) throw invalid('size is required: the size of a published checkpoint');
    const text = single(query, 'indices');
    const parts = text === undefined || text === '' ? [] : text.split(',');
    if (parts.length === 0 || parts.length > MAX_BUNDLES_PER_REQUEST) {
      throw invalid(`indices must list 1 to ${MAX_BUNDLES_PER_REQUEST} indices, comma-separated`);
    }
    const indices = parts.map((p) => {
      if (!INDEX.test(p) || !Number.isSafeInteger(Number(p))) throw invalid(`bad index ${p}`);
      const index = Number(p);
      if (index >= size) throw invalid(`index ${index} is not below the checkpoint size ${size}`);
      return index;
    });
    const checkpoint = (await o.storage.checkpointHistory(log, MAX_HISTORY)).find(
      (c) => c.size === size,
    );
    if (!checkpoint) {
      throw new ServiceError(
        'CHECKPOINT_NOT_FOUND',
        `log ${log} has published no checkpoint of size ${size}`,
      );
    }
    const lines = await anchoredBundleLines(o.storage, o.service, runtime, checkpoint, indices);
    return reply
      .header('cache-control', 'no-store')
      .type('application/x-ndjson; charset=utf-8')
      .send(lines.join(''));
  });
}

/**
 * Builds the completeness proof of the entries sequenced in `[from, to)`:
 * - range: storage.indexRangeForTime (log times are non-decreasing along the log);
 * - end checkpoint: the first published checkpoint that contains an entry after the range
 *   (so the boundary on that side is proven), else the first one published at or after `to`
 *   that covers the range; neither: 409 period-not-closed;
 * - start checkpoint: the last one published before `from` that does not go past the range
 *   start (null if none);
 * - boundary entries, the compact-range hashes left and right of them, and the consistency
 *   proofs start → end → latest, all from the stored tiles.
 */
async function buildProof(storage: Storage, period: Period): Promise<PopulationProofDocument> {
  const { runtime, fromMs, toMs } = period;
  const log = runtime.config.name;
  const range = await storage.indexRangeForTime(log, fromMs, toMs);
  const history = await storage.checkpointHistory(log, MAX_HISTORY);
  const latest = history[history.length - 1];
  if (!latest) throw new ServiceError('NO_CHECKPOINT', 'the log has no checkpoint yet');
  const end =
    history.find((c) => c.size > range.end) ??
    history.find((c) => c.publishedAt >= toMs && c.size >= range.end);
  if (!end) {
    throw new ServiceError(
      'PERIOD_NOT_CLOSED',
      `no checkpoint covers the period yet: it needs one of size at least ${range.end} published at or after ${formatTime(toMs)}`,
      { details: { retryAfterSeconds: 1 } },
    );
  }
  let start: StoredCheckpoint | undefined;
  for (const c of history) {
    if (c.publishedAt < fromMs && c.size <= range.start) start = c;
  }
  const endReader = hashReader(storage, log, end.size);
  const entryAt = async (index: number) => {
    const [entry] = await storage.readEntries(log, index, index + 1);
    return { index, entry: nodeBase64Encode(entry!) };
  };
  const before = range.start > 0 ? await entryAt(range.start - 1) : null;
  const after = end.size > range.end ? await entryAt(range.end) : null;
  const lo = before ? before.index : range.start;
  const hi = after ? after.index + 1 : range.end;
  const hashes = async (nodes: NodeId[]) => (await endReader(nodes)).map(nodeBase64Encode);
  const ref = (c: StoredCheckpoint) => ({ note: c.note, publishedAt: formatTime(c.publishedAt) });
  return {
    mediaType: PROOF_MEDIA_TYPE,
    log,
    origin: runtime.config.origin,
    from: formatTime(fromMs),
    to: formatTime(toMs),
    filter: period.filter,
    range,
    startCheckpoint: start ? ref(start) : null,
    endCheckpoint: ref(end),
    consistencyProof: (await proveConsistency(start?.size ?? 0, end.size, endReader)).map(
      nodeBase64Encode,
    ),
    before,
    after,
    rangeProof: {
      left: await hashes(coveringNodes(0, lo)),
      right: await hashes(coveringNodes(hi, end.size)),
    },
    latestCheckpoint: ref(latest),
    latestConsistencyProof: (
      await proveConsistency(end.size, latest.size, hashReader(storage, log, latest.size))
    ).map(nodeBase64Encode),
  };
}

/** The population file: the proof line, one line per entry of the range, the trailer. */
async function* populationLines(
  storage: Storage,
  period: Period,
  proof: PopulationProofDocument,
): AsyncGenerator<string> {
  const log = period.runtime.config.name;
  yield `${JSON.stringify(proof)}\n`;
  let records = 0;
  let excluded = 0;
  for (let index = proof.range.start; index < proof.range.end; index += READ_CHUNK) {
    const entries = await storage.readEntries(
      log,
      index,
      Math.min(proof.range.end, index + READ_CHUNK),
    );
    let out = '';
    // Erased entries (zero bytes): listed by the leaf hash the tree holds.
    const erasedAt = entries.flatMap((e, i) => (e.length === 0 ? [index + i] : []));
    const treeLeaves =
      erasedAt.length === 0
        ? []
        : await hashReader(
            storage,
            log,
            await storage.integratedSize(log),
          )(erasedAt.map((i) => ({ level: 0, index: i })));
    entries.forEach((entry, i) => {
      if (entry.length === 0) {
        excluded++;
        const leaf = treeLeaves[erasedAt.indexOf(index + i)]!;
        out += `${populationErasedLine(index + i, leaf, nodeBase64Encode)}\n`;
        return;
      }
      const record = storedRecord(log, index + i, entry);
      if (matchesFilter(record, period.filter)) {
        records++;
        out += `${populationRecordLine(log, index + i, entry, record, nodeBase64Encode)}\n`;
      } else {
        excluded++;
        out += `${populationExcludedLine(index + i, leafHash(entry), nodeBase64Encode)}\n`;
      }
    });
    yield out;
  }
  yield `${populationTrailer(records, excluded)}\n`;
}

async function* csvLines(
  storage: Storage,
  period: Period,
  start: number,
  end: number,
): AsyncGenerator<string> {
  const log = period.runtime.config.name;
  yield CSV_HEADER;
  let position = 0;
  for (let index = start; index < end; index += READ_CHUNK) {
    const entries = await storage.readEntries(log, index, Math.min(end, index + READ_CHUNK));
    let out = '';
    entries.forEach((entry, i) => {
      if (entry.length === 0) return; // erased: no longer a record
      const record = storedRecord(log, index + i, entry);
      if (!matchesFilter(record, period.filter)) return;
      out += csvRow(position++, log, index + i, record, leafHash(entry));
    });
    yield out;
  }
}

function hashReader(storage: Storage, log: string, size: number): HashReader {
  return tileHashReader(size, (tiles) => readTilesAt(storage, log, tiles));
}

async function parsePeriod(
  o: AuditRouteOptions,
  principal: Principal,
  query: Query,
  withFilter: boolean,
): Promise<Period> {
  const runtime = await o.service.logFor(principal, single(query, 'log'));
  const fromMs = timeParam(query, 'from');
  const toMs = timeParam(query, 'to');
  if (!(fromMs < toMs)) throw invalid('from must be before to');
  const filter: { -readonly [K in keyof PopulationFilter]: string } = {};
  if (withFilter) {
    for (const member of ['type', 'control', 'label'] as const) {
      const value = single(query, member);
      if (value === undefined) continue;
      const problem = filterProblem(member, value);
      if (problem !== undefined) throw invalid(`${member} ${problem}`);
      filter[member] = value;
    }
  }
  return { runtime, fromMs, toMs, filter };
}

function timeParam(query: Query, name: string): number {
  const text = single(query, name);
  if (text === undefined) throw invalid(`${name} is required`);
  if (/^\d{1,16}$/.test(text) && Number.isSafeInteger(Number(text))) {
    if (Number(text) > Date.UTC(9999, 11, 31, 23, 59, 59, 999))
      throw invalid(`${name} is too late`);
    return Number(text);
  }
  try {
    return parseTime(text);
  } catch {
    throw invalid(
      `${name} must be an RFC 3339 UTC time like 2026-02-01T00:00:00.000Z or milliseconds since the epoch`,
    );
  }
}

function integerParam(query: Query, name: string, min: number, max: number): number | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!INDEX.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw invalid(`${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

function strictQuery(raw: unknown, allowed: readonly string[]): Query {
  const query = (raw ?? {}) as Query;
  for (const key of Object.keys(query)) {
    if (!allowed.includes(key)) throw invalid(`unknown query parameter ${JSON.stringify(key)}`);
  }
  return query;
}

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw invalid(`${name} may be given once`);
  return value;
}
