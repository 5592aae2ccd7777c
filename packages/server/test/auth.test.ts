import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FastifyRequest } from 'fastify';
import type { AccessStore, ApiKeyRecord } from '@proofline/storage';
import { Authenticator, generateApiKey } from '../src/auth.js';
import { ServiceError } from '../src/service-error.js';

/** An access store holding one key, counting how often it is read. */
function store(record: ApiKeyRecord) {
  let current: ApiKeyRecord = record;
  let reads = 0;
  const access = {
    getApiKey: async (id: string) => {
      reads++;
      return id === current.id ? current : undefined;
    },
  } as unknown as AccessStore;
  return {
    access,
    reads: () => reads,
    revoke: () => (current = { ...current, revokedAt: Date.now() }),
  };
}

const request = (authorization: string) => ({ headers: { authorization } }) as FastifyRequest;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejects401(auth: Authenticator, token: string) {
  await assert.rejects(
    auth.authenticate(request(`Bearer ${token}`), 'records:write'),
    (err: unknown) => err instanceof ServiceError && err.code === 'UNAUTHENTICATED',
  );
}

describe('Authenticator', () => {
  const { key, record } = generateApiKey('acme', ['records:write'], '', 0, Date.now());

  it('remembers a matching token, but never accepts another secret for the same key', async () => {
    const s = store(record);
    const auth = new Authenticator(s.access, 60_000);
    for (let i = 0; i < 3; i++) {
      const p = await auth.authenticate(request(`Bearer ${key}`), 'records:write');
      assert.equal(p.tenant, 'acme');
    }
    assert.equal(s.reads(), 1, 'the key record is read once while cached');
    const secret = key.slice(key.lastIndexOf('_') + 1);
    const other = `${key.slice(0, -secret.length)}${secret[0] === 'A' ? 'B' : 'A'}${secret.slice(1)}`;
    await rejects401(auth, other);
    await rejects401(auth, `${key}x`);
    await assert.rejects(
      auth.authenticate(request(`Bearer ${key}`), 'records:read'),
      (err: unknown) => err instanceof ServiceError && err.code === 'FORBIDDEN',
    );
  });

  it('refuses a key revoked elsewhere once its cached record expires', async () => {
    const s = store(record);
    const auth = new Authenticator(s.access, 50);
    await auth.authenticate(request(`Bearer ${key}`), 'records:write');
    s.revoke();
    await auth.authenticate(request(`Bearer ${key}`), 'records:write'); // still cached
    await sleep(80);
    await rejects401(auth, key);
  });

  it('refuses a key revoked through this process at once', async () => {
    const s = store(record);
    const auth = new Authenticator(s.access, 60_000);
    await auth.authenticate(request(`Bearer ${key}`), 'records:write');
    s.revoke();
    auth.forget(record.id);
    await rejects401(auth, key);
  });
});
