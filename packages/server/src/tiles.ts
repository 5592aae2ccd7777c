import type { FastifyInstance } from 'fastify';
import { encodeEntryBundle, parseTilePath, tileWidth, TILE_WIDTH } from '@proofline/tlog';
import { readTilesAt, type Storage } from '@proofline/storage';
import { GzipBundles } from './gzip-bundles.js';
import { ServiceError } from './service-error.js';
import type { LogDirectory } from './logs.js';
import type { ReadAccess } from './read-access.js';

/** Tiles and bundles never change once a checkpoint covers them (tlog-tiles: immutable). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/**
 * A private log's entry bundles: never kept by a shared cache, and revalidated, because an
 * erasure (Storage.eraseEntry) replaces an entry's bytes with zero bytes.
 */
const PRIVATE_IMMUTABLE = 'private, no-cache';
/** The checkpoint is mutable: clients must revalidate (tlog-tiles: no caching beyond seconds). */
const CHECKPOINT_CACHE = 'no-cache';

/**
 * The C2SP tlog-tiles read API of every log under `/logs/<name>/`: `checkpoint`,
 * `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`. Only what the latest published
 * checkpoint covers is served: a tile or bundle beyond it is a 404, a malformed path a 400.
 *
 * The checkpoint and hash tiles of every log are public, so anyone can check that a log is
 * append-only. A private log's entry bundles need a key of its tenant (see ReadAccess):
 * without one, 401 `unauthorized` (tlog-tiles leaves access control to the log: a client
 * that may not read entries checks consistency from the hash tiles alone); with another
 * tenant's key, a 404 that names no path. Either is decided before the path's range is.
 * The gzip of full entry bundles is kept in `gzipped` (see GzipBundles).
 */
export function registerTileRoutes(
  app: FastifyInstance,
  storage: Storage,
  logs: LogDirectory,
  access: ReadAccess,
  gzipped = new GzipBundles(),
) {
  app.get<{ Params: { name: string } }>('/logs/:name/checkpoint', async (request, reply) => {
    const log = await logs.get(request.params.name);
    const checkpoint = await storage.latestCheckpoint(log.name);
    if (!checkpoint) throw new ServiceError('NO_CHECKPOINT', 'the log has no checkpoint yet');
    return reply
      .header('cache-control', CHECKPOINT_CACHE)
      .type('text/plain; charset=utf-8')
      .send(checkpoint.note);
  });

  app.get<{ Params: { name: string; '*': string } }>(
    '/logs/:name/tile/*',
    async (request, reply) => {
      const log = await logs.get(request.params.name);
      const path = parseTilePath(`tile/${request.params['*']}`);
      if (path.kind !== 'hash') {
        await access.check(
          request,
          log,
          () =>
            new ServiceError('TILE_NOT_FOUND', `no entry bundle of log ${log.name} for this key`),
        );
      }
      const checkpoint = await storage.latestCheckpoint(log.name);
      const published = checkpoint?.size ?? 0;
      const level = path.kind === 'hash' ? path.level : 0;
      if (path.width > tileWidth(level, path.index, published)) {
        throw new ServiceError(
          'TILE_NOT_FOUND',
          `${request.params['*']} is beyond the latest checkpoint (size ${published})`,
        );
      }
      const open = path.kind === 'hash' || log.visibility === 'public';
      reply.header('cache-control', open ? IMMUTABLE : PRIVATE_IMMUTABLE);
      reply.type('application/octet-stream');
      if (!open) reply.header('vary', 'Authorization');
      if (path.kind === 'hash') {
        const [data] = await readTilesAt(storage, log.name, [path]);
        return reply.send(Buffer.from(data!.buffer, data!.byteOffset, data!.byteLength));
      }
      const start = path.index * TILE_WIDTH;
      const entries = await storage.readEntries(log.name, start, start + path.width);
      const vary = reply.getHeader('vary');
      reply.header(
        'vary',
        vary === undefined ? 'Accept-Encoding' : `${String(vary)}, Accept-Encoding`,
      );
      // Compressed with gzip when the client accepts it (tlog-tiles: SHOULD).
      if (acceptsGzip(request.headers['accept-encoding'])) {
        const zipped = await gzipped.get(log.name, path.index, entries);
        return reply.header('content-encoding', 'gzip').send(zipped);
      }
      const bundle = encodeEntryBundle(entries);
      return reply.send(Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength));
    },
  );
}

function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}
