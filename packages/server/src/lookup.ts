import type { FastifyInstance } from 'fastify';
import { digestLookupKey, recordId } from '@proofline/records';
import type { Storage } from '@proofline/storage';
import type { ReadAccess } from './read-access.js';
import { invalidRequest } from './service-error.js';
import { storedRecord } from './stored-record.js';

/** Bound on the records one lookup returns, over all logs. */
export const MAX_LOOKUP_RESULTS = 100;

const DIGEST = /^(?:sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128})$/;

/** One record found by a public digest lookup. */
export interface LookupResult {
  readonly id: string;
  readonly log: string;
  readonly index: number;
}

/**
 * `GET /v1/lookup?digest=<algorithm>:<hex>`: the records whose statement digest is exactly
 * `digest`, in every public log, as `{ "records": [{ "id", "log", "index" }] }`. Open to
 * anyone because a public log's contents are (its entry bundles are served to anyone); it
 * answers what an auditor could find by downloading every public log. Private logs are
 * searched only for a request with a key of their tenant that has `records:read` or
 * `audit:read`; any other request never touches them, so neither its answer nor its timing
 * depends on what they hold (an invalid key is a 401, as everywhere). Only entries that the latest
 * published checkpoint covers are returned (the same entries the tiles serve), at most
 * MAX_LOOKUP_RESULTS in log and index order. The lookup index holds a 48-bit prefix of the
 * digest, so every candidate entry is parsed and its full digest compared.
 *
 * `digest` is required, given once, and must be "sha256:" + 64, "sha384:" + 96 or
 * "sha512:" + 128 lowercase hex digits; any other query parameter is rejected (400 problem).
 */
export function registerLookupRoute(
  app: FastifyInstance,
  storage: Storage,
  access: ReadAccess,
): void {
  app.get('/v1/lookup', async (request, reply) => {
    const digest = digestParameter(request.query);
    const tenant = await access.lookupTenant(request);
    const key = digestLookupKey(digest);
    const records: LookupResult[] = [];
    for (const log of await storage.listLogs()) {
      if (records.length >= MAX_LOOKUP_RESULTS) break;
      if (log.visibility === 'private' && log.tenant !== tenant) continue;
      const published = (await storage.latestCheckpoint(log.name))?.size ?? 0;
      if (published === 0) continue;
      const candidates = await storage.findByLookupKey(log.name, key, MAX_LOOKUP_RESULTS);
      for (const index of [...candidates].sort((a, b) => a - b)) {
        if (records.length >= MAX_LOOKUP_RESULTS) break;
        if (index >= published) continue;
        const [entry] = await storage.readEntries(log.name, index, index + 1);
        if (entry !== undefined && storedRecord(log.name, index, entry).digest === digest) {
          records.push({ id: recordId(log.name, index), log: log.name, index });
        }
      }
    }
    reply.header('cache-control', tenant === undefined ? 'no-cache' : 'private, no-store');
    return reply.send({ records });
  });
}

/** The validated `digest` query parameter; a 400 problem for anything else. */
function digestParameter(raw: unknown): string {
  const query = (raw ?? {}) as Record<string, unknown>;
  for (const name of Object.keys(query)) {
    if (name !== 'digest') {
      throw invalidRequest(`unknown query parameter ${JSON.stringify(name)}`);
    }
  }
  const digest = query.digest;
  if (digest === undefined) {
    throw invalidRequest('digest is required', 'digest');
  }
  if (typeof digest !== 'string') {
    throw invalidRequest('digest may be given once', 'digest');
  }
  if (!DIGEST.test(digest)) {
    throw invalidRequest(
      'digest must be sha256: and 64, sha384: and 96, or sha512: and 128 lowercase hex digits',
      'digest',
    );
  }
  return digest;
}
