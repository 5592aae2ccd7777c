export { SqliteStorage, type SqliteOptions } from './sqlite.js';
