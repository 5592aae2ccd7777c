import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageConformance } from '@proofline/storage/conformance';
import { SqliteStorage } from '../src/index.js';

for (const [name, options] of [
  ['sqlite', {}],
  ['sqlite, every write on the writer thread', { inlineMaxEntries: 0 }],
] as const) {
  storageConformance(name, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
    return {
      open: async () => new SqliteStorage(join(dir, 'log.db'), options),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  });
}
