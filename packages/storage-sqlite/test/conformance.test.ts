import { mkdtempSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
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
      setScopes: async (id: string, scopes: readonly string[]) => {
        const db = new Database(join(dir, 'log.db'));
        db.prepare('UPDATE api_keys SET scopes = ? WHERE id = ?').run(JSON.stringify(scopes), id);
        db.close();
      },
    };
  };
}

storageConformance('sqlite', fixture({}));
storageConformance('sqlite, every write on the writer thread', fixture({ inlineMaxEntries: 0 }));
// Every integration moves lookup rows (lookup-merge.ts), a key range at a time.
storageConformance(
  'sqlite, lookup rows moved at every integration',
  fixture({ lookupMerge: { mergeRows: 1, stepRows: 2 } }),
);
accessConformance('sqlite', fixture({}));
