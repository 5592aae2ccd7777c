/* global process, console */
/**
 * verifyBundle in headless Chromium (playwright-core driving /usr/bin/chromium): the same
 * verify-core.mjs, bundled for the browser with rolldown and served from loopback (a secure
 * context, so WebCrypto Ed25519 is available). Prints {"na": reason} when Chromium or
 * playwright-core is missing.
 *
 *   node bench/verify-browser.mjs '{"bundleFile":"/tmp/b.json","logKey":"...","tmp":"/tmp/x"}'
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

const o = JSON.parse(process.argv[2]);
const executablePath = o.chromium ?? '/usr/bin/chromium';

async function main() {
  if (!existsSync(executablePath)) return { na: `${executablePath} not found` };
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch {
    return { na: 'playwright-core is not installed' };
  }
  const { build } = await import('rolldown');
  const out = join(o.tmp, 'verify-core.browser.js');
  await build({
    input: join(ROOT, 'bench/verify-core.mjs'),
    platform: 'browser',
    logLevel: 'silent',
    output: { file: out, format: 'esm', codeSplitting: false },
  });
  const script = readFileSync(out);
  const server = createServer((req, res) => {
    if (req.url === '/verify.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(script);
    } else {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>verify bench</title>');
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const json = readFileSync(o.bundleFile, 'utf8');
    const result = await page.evaluate(
      async ([bundle, logKey, options]) => {
        const m = await import('/verify.js');
        return m.measureVerify(bundle, logKey, options);
      },
      [json, o.logKey, { runs: o.runs, iterations: o.iterations }],
    );
    return { platform: `Chromium ${browser.version()}`, ...result };
  } finally {
    await browser.close();
    server.close();
  }
}

console.log(JSON.stringify(await main()));
