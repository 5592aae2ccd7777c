import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';
import { ServiceError } from './service-error.js';

/**
 * Where `npm run build -w @proofline/web` writes the pages in this repository:
 * packages/web/dist, seen from packages/server/dist/src.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

/**
 * The policy of every HTML page: scripts, styles, fonts and fetches from this origin only, no
 * inline script or style, no plugins, frames, forms or base URL. Downloads are same-origin
 * links to the API with `download` attributes, so no `blob:` is needed anywhere.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The Content-Security-Policy of Swagger UI at /docs: its scripts and styles from this origin
 * only (it has no inline script); inline styles are allowed, as the UI sets style
 * attributes; requests ("try it out") only to this origin; never framed.
 */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Vite names every built asset after its content hash: it can be cached forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The public verification pages and log explorer (the single-page app of @proofline/web,
 * built into `webRoot`): `index.html` for `/`, `/logs/:name` (without the trailing slash:
 * `/logs/:name/` stays the JSON description of the log), `/r/:id` and `/verify`, and the hashed
 * assets under `/assets/`. HTML is `no-cache` with a strict Content-Security-Policy and
 * no referrer; assets are immutable. The pages verify proofs in the browser with the same
 * public API every other client uses.
 */
export function registerWebRoutes(app: FastifyInstance, webRoot: string): void {
  const indexFile = join(webRoot, 'index.html');
  const sendIndex = async (reply: FastifyReply) => {
    let html: Buffer;
    try {
      html = await readFile(indexFile);
    } catch {
      throw new ServiceError(
        'WEB_NOT_BUILT',
        'the web pages are not built here (npm run build -w @proofline/web)',
      );
    }
    return reply
      .headers({
        'cache-control': 'no-cache',
        'content-security-policy': WEB_CSP,
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
      })
      .type('text/html; charset=utf-8')
      .send(html);
  };

  app.get('/', async (_request, reply) => sendIndex(reply));
  app.get('/logs/:name', async (_request, reply) => sendIndex(reply));
  app.get('/r/:id', async (_request, reply) => sendIndex(reply));
  app.get('/verify', async (_request, reply) => sendIndex(reply));

  // Loaded with the other plugins when the app starts (ready or listen).
  void app.register(fastifyStatic, {
    root: join(webRoot, 'assets'),
    prefix: '/assets/',
    decorateReply: false,
    index: false,
    dotfiles: 'deny',
    cacheControl: false,
    etag: true,
    lastModified: false,
    setHeaders: (res) => {
      res.setHeader('cache-control', IMMUTABLE);
    },
  });
}
