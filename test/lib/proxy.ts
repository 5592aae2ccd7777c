/** A man-in-the-middle HTTP proxy for tests: forwards to a server, rewriting answers. */
import { spawn } from 'node:child_process';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROOFLINE_BIN } from './proofline.js';

/**
 * Runs `proofline ARGS` without blocking this process (runProofline's spawnSync would stall
 * a proxy served from this process), in `env` (default this process's).
 */
export function runProoflineAsync(
  args: string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [PROOFLINE_BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(env ? { env } : {}),
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

export interface Proxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Listens on a free port and forwards every request to `target`; `rewrite` may change the
 * body of an answer (method, path and status given). Only the status, content type,
 * Retry-After and Location are passed on.
 */
export async function startProxy(
  target: string,
  rewrite: (method: string, path: string, status: number, body: string) => string,
): Promise<Proxy> {
  const server: HttpServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const headers: Record<string, string> = {};
        for (const name of ['authorization', 'content-type', 'idempotency-key', 'accept']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const upstream = await fetch(`${target}${req.url}`, {
          method: req.method!,
          headers,
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        });
        const body = rewrite(
          req.method!,
          req.url!,
          upstream.status,
          Buffer.from(await upstream.arrayBuffer()).toString('latin1'),
        );
        const out: Record<string, string> = {};
        for (const name of ['content-type', 'retry-after', 'location']) {
          const value = upstream.headers.get(name);
          if (value !== null) out[name] = value;
        }
        res.writeHead(upstream.status, out).end(Buffer.from(body, 'latin1'));
      })().catch((err: unknown) => res.writeHead(502).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
