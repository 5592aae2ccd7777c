#!/usr/bin/env node
// Writes the screenshots of the web pages in docs/ (1280x900): a verified record, a record
// whose stored entry was altered, and the log explorer. Uses the browser tests' fixture and
// Debian's Chromium. Run after the build:
//
//   npx tsc -b && npm run build -w @proofline/web && node scripts/screenshots.mjs [--review DIR]
//
// --review DIR also writes full-page and 375 px wide (phone) screenshots of each page there.
/* global console, URL */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { TAMPERED, launchChromium, startWebFixture } from '../test/dist/lib/web.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const reviewAt = process.argv.indexOf('--review');
const review = reviewAt > 0 ? process.argv[reviewAt + 1] : undefined;

const pages = [
  { name: 'verify-passed', path: '/r/default-3', ready: 'body[data-verification="passed"]' },
  {
    name: 'verify-failed',
    path: `/r/default-${TAMPERED}`,
    ready: 'body[data-verification="failed"]',
  },
  { name: 'explorer', path: '/', ready: '[data-log] table.recent tbody tr' },
];

if (review) mkdirSync(review, { recursive: true });
const fixture = await startWebFixture();
const browser = await launchChromium();
try {
  const shoot = async (viewport, pathOf) => {
    const context = await browser.newContext({ viewport });
    try {
      for (const page of pages) {
        const tab = await context.newPage();
        await tab.goto(`${fixture.url}${page.path}`);
        await tab.waitForSelector(page.ready);
        // Let the explorer's other cards finish loading too.
        await tab.waitForLoadState('networkidle');
        for (const [file, fullPage] of pathOf(page.name)) {
          await tab.screenshot({ path: file, fullPage });
          console.log(`wrote ${file}`);
        }
        await tab.close();
      }
    } finally {
      await context.close();
    }
  };
  await shoot({ width: 1280, height: 900 }, (name) => [
    [join(root, 'docs', `${name}.png`), false],
    ...(review ? [[join(review, `${name}-full.png`), true]] : []),
  ]);
  if (review) {
    await shoot({ width: 375, height: 812 }, (name) => [[join(review, `${name}-375.png`), true]]);
  }
} finally {
  await browser.close();
  await fixture.close();
}
