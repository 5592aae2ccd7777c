import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// Static pages served by @proofline/server under a strict Content-Security-Policy: every
// script and stylesheet is a hashed file in /assets (no inline code, no CDN), and nothing is
// prerendered. The bundle imports only the browser-safe libraries (@proofline/verify, note,
// records, tlog), from their compiled dist/ output: run `tsc -b` first.
export default defineConfig({
  plugins: [preact({ prerender: { enabled: false } })],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    // Inlining a small asset as a data: URL is fine for images (img-src data:), but keep
    // every asset a file so the CSP never has to allow anything else inline.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    reportCompressedSize: false,
  },
});
