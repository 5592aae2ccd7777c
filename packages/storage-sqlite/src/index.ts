export { SqliteStorage, type SqliteOptions } from './sqlite.js';
export { backupDatabase, restoreDatabase, summarize, type DatabaseSummary } from './backup.js';
