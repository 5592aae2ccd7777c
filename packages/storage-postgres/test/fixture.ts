import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresStorage, type PostgresOptions } from '../src/index.js';

/** The test database: trust auth on the machine's PostgreSQL unless overridden. */
export const TEST_PG = process.env.PROOFLINE_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, unique schema name; nothing exists under it until a handle opens it. */
export function freshSchema(): string {
  return `proofline_test_${randomBytes(6).toString('hex')}`;
}

export function open(schema: string, options: Partial<PostgresOptions> = {}) {
  return PostgresStorage.open({ connectionString: TEST_PG, schema, poolSize: 4, ...options });
}

/** Runs `fn` on one short-lived admin connection (outside any driver). */
export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_PG });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function dropSchema(schema: string): Promise<void> {
  return admin(async (c) => {
    await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
}
