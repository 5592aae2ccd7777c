export { PostgresStorage } from './postgres.js';
export type { PostgresOptions } from './connection.js';
