import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { accessConformance, storageConformance } from '@proofline/storage/conformance';
import { SqliteStorage, type SqliteOptions } from '../src/index.js';

function fixture(options: SqliteOptions) {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-sqlite-'));
    return {
      open: async () => new SqliteStorage(join(dir, 'log.db'), options),
      destroy: async () => rmSync(dir, { recursive: true, force: true }),
    };
  };
}

storageConformance('sqlite', fixture({}));
storageConformance('sqlite, every write on the writer thread', fixture({ inlineMaxEntries: 0 }));
accessConformance('sqlite', fixture({}));
