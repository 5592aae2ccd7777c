import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessStore, ShareLinkRecord } from '@proofline/storage';
import type { Principal } from '../src/auth.js';
import { ShareLinks } from '../src/share-links.js';

/**
 * A share-link store that keeps links by id (a duplicate id fails the whole call, as both
 * drivers' one transaction does), records every createShareLinks call, can hold each call
 * until released and can refuse any call holding a record id from `poisoned`.
 */
class FakeShareStore {
  readonly links = new Map<string, ShareLinkRecord>();
  readonly calls: string[][] = [];
  poisoned = new Set<string>();
  private held: (() => void)[] | undefined;

  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const go of held) go();
  }

  async createShareLinks(links: readonly ShareLinkRecord[]): Promise<void> {
    this.calls.push(links.map((l) => l.recordId));
    if (this.held) await new Promise<void>((go) => this.held!.push(go));
    if (links.some((l) => this.poisoned.has(l.recordId) || this.links.has(l.id))) {
      throw new Error('refused: the whole call stores nothing');
    }
    for (const l of links) this.links.set(l.id, l);
  }

  async getShareLink(id: string): Promise<ShareLinkRecord | undefined> {
    return this.links.get(id);
  }
}

const principal: Principal = {
  keyId: 'k1',
  tenant: 'acme',
  scopes: new Set(['records:write']),
  rateLimit: 0,
};

function setup(): { store: FakeShareStore; shares: ShareLinks } {
  const store = new FakeShareStore();
  return { store, shares: new ShareLinks(store as unknown as AccessStore) };
}

/** Lets the event loop run a few turns (the group's store call is made on the next turn). */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((go) => setImmediate(go));
};

describe('ShareLinks: group commit of share links', () => {
  it('stores the links of creates made in one turn in one call; each token opens its own record only', async () => {
    const { store, shares } = setup();
    const made = await Promise.all([
      shares.create(principal, ['acme-0'], undefined),
      shares.create(principal, ['acme-1', 'acme-2'], undefined),
      shares.create(principal, ['acme-3'], undefined),
    ]);
    assert.deepEqual(store.calls, [['acme-0', 'acme-1', 'acme-2', 'acme-3']]);
    assert.equal(store.links.size, 4);
    const tokens = made.flat().map((l) => [l.record.recordId, l.token] as const);
    for (const [recordId, token] of tokens) {
      assert.equal(await shares.opens(token, 'acme', recordId), true, recordId);
      assert.equal(
        await shares.opens(token, 'acme', recordId === 'acme-0' ? 'acme-1' : 'acme-0'),
        false,
      );
      assert.equal(await shares.opens(token, 'other', recordId), false);
    }
  });

  it('gathers the creates made while a store call runs into the next call', async () => {
    const { store, shares } = setup();
    store.hold();
    const first = shares.create(principal, ['acme-0'], undefined);
    await turns();
    assert.deepEqual(store.calls, [['acme-0']]);
    const later = [
      shares.create(principal, ['acme-1'], undefined),
      shares.create(principal, ['acme-2'], undefined),
    ];
    await turns();
    assert.equal(store.calls.length, 1, 'nothing more is stored while a call runs');
    store.release();
    await Promise.all([first, ...later]);
    assert.deepEqual(store.calls, [['acme-0'], ['acme-1', 'acme-2']]);
    assert.equal(store.links.size, 3);
  });

  it('one caller refused does not fail the others: a failed group is stored again caller by caller', async () => {
    const { store, shares } = setup();
    store.poisoned = new Set(['acme-1']);
    const results = await Promise.allSettled([
      shares.create(principal, ['acme-0'], undefined),
      shares.create(principal, ['acme-1', 'acme-2'], undefined),
      shares.create(principal, ['acme-3'], undefined),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(store.calls, [
      ['acme-0', 'acme-1', 'acme-2', 'acme-3'],
      ['acme-0'],
      ['acme-1', 'acme-2'],
      ['acme-3'],
    ]);
    // All or none per caller: none of the refused caller's links, each other link once.
    assert.deepEqual([...store.links.values()].map((l) => l.recordId).sort(), ['acme-0', 'acme-3']);
  });

  it('a lone create that fails rejects with the store error, and later creates still store', async () => {
    const { store, shares } = setup();
    store.poisoned = new Set(['acme-0']);
    await assert.rejects(shares.create(principal, ['acme-0'], undefined), /refused/);
    assert.deepEqual(store.calls, [['acme-0']]);
    const [link] = await shares.create(principal, ['acme-1'], undefined);
    assert.equal(await shares.opens(link!.token, 'acme', 'acme-1'), true);
    // And again after the drain went idle: no create is left waiting.
    await turns();
    const [again] = await shares.create(principal, ['acme-2'], undefined);
    assert.equal(await shares.opens(again!.token, 'acme', 'acme-2'), true);
    assert.deepEqual(store.calls, [['acme-0'], ['acme-1'], ['acme-2']]);
  });
});
