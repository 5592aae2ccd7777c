export { SqliteStorage, type SqliteOptions } from './sqlite.js';
export type { LookupMergeOptions } from './lookup-merge.js';
export { backupDatabase, restoreDatabase, summarize, type DatabaseSummary } from './backup.js';
