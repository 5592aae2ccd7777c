/**
 * The access conformance suite: tenants, API keys and issuer keys (AccessStore), which every
 * driver runs against a real backend. `fixture.open()` returns a new, independent handle on
 * one fresh store each time, as a second process would open it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessStore } from './access.js';
import { StorageError } from './index.js';
import { onFreshStore, type Fixture } from './conformance-fixture.js';

export interface AccessFixture extends Fixture<AccessStore & { close(): Promise<void> }> {
  /**
   * As an insider with write access to the database: stores `scopes` (a scope name this
   * code does not know included) as the scopes of API key `id`, behind the driver's back.
   */
  setScopes(id: string, scopes: readonly string[]): Promise<void>;
}

const T0 = 1_800_000_000_000;

export function accessConformance(driver: string, newFixture: () => Promise<AccessFixture>): void {
  const withStore = (fn: (s: AccessStore, f: AccessFixture) => Promise<void>) =>
    onFreshStore(newFixture, fn);

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

    it('stores share links all or none, lists them per tenant and record, revokes them', () =>
      withStore(async (s, fixture) => {
        await s.ensureTenant('acme', T0);
        await s.ensureTenant('beta', T0);
        const link = {
          id: 's-1',
          tenant: 'acme',
          secretHash: '01'.repeat(32),
          recordId: 'log-0',
          createdBy: 'k-1',
          createdAt: T0,
        };
        await s.createShareLinks([
          link,
          { ...link, id: 's-2', createdAt: T0 + 1, expiresAt: T0 + 1000 },
          { ...link, id: 's-3', recordId: 'log-1', createdAt: T0 + 2 },
        ]);
        await s.createShareLinks([{ ...link, id: 's-b', tenant: 'beta' }]);
        await s.createShareLinks([]);
        await assert.rejects(
          s.createShareLinks([
            { ...link, id: 's-4' },
            { ...link, id: 's-1' },
          ]),
          'a duplicate id is refused',
        );
        assert.equal(await s.getShareLink('s-4'), undefined, 'all or none');
        await assert.rejects(
          s.createShareLinks([{ ...link, id: 's-5', tenant: 'nobody' }]),
          'a link needs its tenant',
        );
        assert.deepEqual(await s.getShareLink('s-1'), link);
        assert.deepEqual(await s.getShareLink('s-2'), {
          ...link,
          id: 's-2',
          createdAt: T0 + 1,
          expiresAt: T0 + 1000,
        });
        assert.equal(await s.getShareLink('missing'), undefined);
        const ids = (links: readonly { id: string }[]) => links.map((l) => l.id);
        assert.deepEqual(ids(await s.listShareLinks('acme')), ['s-1', 's-2', 's-3']);
        assert.deepEqual(ids(await s.listShareLinks('acme', 'log-0')), ['s-1', 's-2']);
        assert.deepEqual(ids(await s.listShareLinks('beta')), ['s-b']);

        assert.equal(await s.revokeShareLinks('beta', { id: 's-1' }, T0 + 5), 0, 'not its own');
        assert.equal(await s.revokeShareLinks('acme', { id: 's-1' }, T0 + 5), 1);
        assert.equal(await s.revokeShareLinks('acme', { id: 's-1' }, T0 + 6), 0);
        assert.equal(await s.revokeShareLinks('acme', { recordId: 'log-0' }, T0 + 7), 1);
        assert.equal(await s.revokeShareLinks('beta', { recordId: 'log-1' }, T0 + 7), 0);
        const other = await fixture.open();
        try {
          assert.equal((await other.getShareLink('s-1'))?.revokedAt, T0 + 5);
          assert.equal((await other.getShareLink('s-2'))?.revokedAt, T0 + 7);
          assert.equal((await other.getShareLink('s-3'))?.revokedAt, undefined);
          assert.equal((await other.getShareLink('s-b'))?.revokedAt, undefined);
        } finally {
          await other.close();
        }
      }));
  });
}
