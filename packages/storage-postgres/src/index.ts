export { PostgresStorage, type PostgresOptions } from './postgres.js';
