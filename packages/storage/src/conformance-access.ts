/**
 * The access conformance suite: tenants, API keys and issuer keys (AccessStore), which every
 * driver runs against a real backend. `fixture.open()` returns a new, independent handle on
 * one fresh store each time, as a second process would open it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessStore } from './access.js';
import { StorageError } from './index.js';

export interface AccessFixture {
  open(): Promise<AccessStore & { close(): Promise<void> }>;
  /** Closes nothing the test opened; removes the store. */
  destroy(): Promise<void>;
  /**
   * As an insider with write access to the database: stores `scopes` (a scope name this
   * code does not know included) as the scopes of API key `id`, behind the driver's back.
   */
  setScopes(id: string, scopes: readonly string[]): Promise<void>;
}

const T0 = 1_800_000_000_000;

export function accessConformance(driver: string, newFixture: () => Promise<AccessFixture>): void {
  async function withStore(fn: (s: AccessStore, f: AccessFixture) => Promise<void>): Promise<void> {
    const fixture = await newFixture();
    const store = await fixture.open();
    try {
      await fn(store, fixture);
    } finally {
      await store.close();
      await fixture.destroy();
    }
  }

  describe(`access conformance: ${driver}`, () => {
    it('stores API keys as given, lists and revokes them', () =>
      withStore(async (s, fixture) => {
        await s.ensureTenant('acme', T0);
        await s.ensureTenant('beta', T0);
        const key = {
          id: 'k-1',
          tenant: 'acme',
          secretHash: 'ab'.repeat(32),
          scopes: ['records:write', 'records:read'] as const,
          description: 'ci pipeline',
          rateLimit: 0,
          createdAt: T0,
        };
        await s.createApiKey({ ...key, scopes: [...key.scopes] });
        await s.createApiKey({
          ...key,
          id: 'k-2',
          tenant: 'beta',
          scopes: ['admin'],
          createdAt: T0 + 1,
        });
        await assert.rejects(
          s.createApiKey({ ...key, scopes: [...key.scopes] }),
          'duplicate ids are refused',
        );
        assert.deepEqual(await s.getApiKey('k-1'), { ...key, scopes: [...key.scopes] });
        assert.equal(await s.getApiKey('missing'), undefined);
        assert.deepEqual(
          (await s.listApiKeys('acme')).map((k) => k.id),
          ['k-1'],
        );
        assert.deepEqual(
          (await s.listApiKeys()).map((k) => k.id),
          ['k-1', 'k-2'],
        );
        assert.equal(await s.revokeApiKey('k-1', T0 + 10), true);
        assert.equal(await s.revokeApiKey('k-1', T0 + 20), false);
        assert.equal(await s.revokeApiKey('missing', T0), false);
        const other = await fixture.open();
        try {
          assert.equal((await other.getApiKey('k-1'))?.revokedAt, T0 + 10);
        } finally {
          await other.close();
        }
      }));

    it('registers and revokes issuer keys per tenant', () =>
      withStore(async (s) => {
        await s.ensureTenant('acme', T0);
        await s.ensureTenant('beta', T0);
        await s.addIssuerKey('acme', 'issuer-a+00000001+AQ', T0);
        await s.addIssuerKey('acme', 'issuer-b+00000002+AQ', T0 + 1);
        await s.addIssuerKey('acme', 'issuer-a+00000001+AQ', T0 + 2);
        assert.deepEqual(await s.listIssuerKeys('acme'), [
          'issuer-a+00000001+AQ',
          'issuer-b+00000002+AQ',
        ]);
        assert.deepEqual(await s.listIssuerKeys('beta'), []);
        assert.equal(await s.revokeIssuerKey('acme', 'issuer-a+00000001+AQ', T0 + 3), true);
        assert.equal(await s.revokeIssuerKey('acme', 'issuer-a+00000001+AQ', T0 + 4), false);
        assert.deepEqual(await s.listIssuerKeys('acme'), ['issuer-b+00000002+AQ']);
      }));

    it('creates tenants idempotently and refuses keys of unknown tenants', () =>
      withStore(async (s) => {
        await s.ensureTenant('acme', T0);
        await s.ensureTenant('acme', T0 + 1);
        const key = {
          id: 'k-orphan',
          tenant: 'nobody',
          secretHash: 'cd'.repeat(32),
          scopes: ['admin' as const],
          description: '',
          rateLimit: 0,
          createdAt: T0,
        };
        await assert.rejects(s.createApiKey(key), 'a key needs its tenant');
        assert.equal(await s.getApiKey('k-orphan'), undefined);
      }));

    it('refuses an API key whose stored scopes an insider edited into unknown ones', () =>
      withStore(async (s, fixture) => {
        await s.ensureTenant('acme', T0);
        const key = {
          id: 'k-edited',
          tenant: 'acme',
          secretHash: 'ef'.repeat(32),
          scopes: ['records:read' as const],
          description: '',
          rateLimit: 0,
          createdAt: T0,
        };
        await s.createApiKey(key);
        await fixture.setScopes('k-edited', ['records:read', 'root']);
        const corrupt = (err: unknown) => err instanceof StorageError && err.code === 'CORRUPT';
        await assert.rejects(s.getApiKey('k-edited'), corrupt);
        await assert.rejects(s.listApiKeys('acme'), corrupt);
        await fixture.setScopes('k-edited', ['admin']);
        assert.deepEqual((await s.getApiKey('k-edited'))?.scopes, ['admin']);
      }));
  });
}
