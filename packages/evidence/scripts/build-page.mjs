// Builds dist/verify.html, the offline verifier page every evidence package carries: Vite
// bundles page/main.ts (with @proofline/evidence/browser and @proofline/verify from their
// compiled dist/: run `tsc -b` first) into one classic script; this script inlines it and
// page/style.css into page/index.html, under a Content-Security-Policy that allows exactly
// that script and that style by their SHA-256 and no connection, image, font or frame.
// Deterministic: the same sources give the same bytes (packages list it in SHA256SUMS, and
// verify-evidence compares a package's page with its own).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stdout } from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const page = `${root}page/`;

const output = await build({
  configFile: false,
  root: page,
  logLevel: 'warn',
  build: {
    write: false,
    target: 'es2022',
    minify: true,
    reportCompressedSize: false,
    lib: {
      entry: `${page}main.ts`,
      formats: ['iife'],
      name: 'ProoflineVerifier',
      fileName: 'verify',
    },
  },
});
const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
const scripts = chunks.filter((c) => c.type === 'chunk');
if (scripts.length !== 1 || chunks.length !== 1) {
  throw new Error(`expected one script, got ${chunks.map((c) => c.fileName).join(', ')}`);
}
// `</script` inside the bundle (a string or regex literal) would end the element early.
const script = scripts[0].code.replaceAll('</script', '<\\/script');
if (/\bfetch\(|XMLHttpRequest|WebSocket|sendBeacon/.test(script)) {
  // The CSP blocks them anyway; the page must not even try.
  throw new Error('the bundle mentions a network API: the page must connect to nothing');
}
const style = readFileSync(`${page}style.css`, 'utf8').trim();
const hash = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const csp = [
  "default-src 'none'",
  `script-src ${hash(script)}`,
  `style-src ${hash(style)}`,
  "connect-src 'none'",
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const template = readFileSync(`${page}index.html`, 'utf8');
if (!template.includes('%STYLE%') || !template.includes('%CSP%')) throw new Error('bad template');
const html = template
  .replace('%CSP%', csp)
  .replace(/<style>\s*%STYLE%\s*<\/style>/, () => `<style>${style}</style>`)
  .replace('</body>', () => `<script>${script}</script>\n  </body>`);
mkdirSync(`${root}dist`, { recursive: true });
writeFileSync(`${root}dist/verify.html`, html);
stdout.write(`dist/verify.html: ${html.length} bytes\n`);
