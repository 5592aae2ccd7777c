/**
 * Each checkpoint's root signature (StoredCheckpoint.coseRoot): made once, by the registered
 * log key, over the very root the checkpoint note signs; what an insider can do with it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CborMap,
  coseKeyThumbprint,
  decodeSign1,
  ed25519CoseKey,
  verifySign1,
  HEADER_CWT_CLAIMS,
  HEADER_VDS,
} from '@proofline/cose';
import { formatVerifierKey, parseSignerKey, formatSignerKey } from '@proofline/note';
import { receiptFormat } from '@proofline/records';
import type { StoredCheckpoint } from '@proofline/storage';
import { Publisher, Sequencer, nodeEd25519Signer } from '../src/index.js';
import {
  ORIGIN,
  PUBLIC_KEY,
  countingSigner,
  logSigner,
  makeEntry,
  openStore,
  openStored,
  type Store,
} from './helpers.js';

const KEY = ed25519CoseKey(PUBLIC_KEY);
const options = { understoodCritical: [HEADER_VDS, HEADER_CWT_CLAIMS] };

async function grow(store: Store, from: number, to: number): Promise<void> {
  if (from === to) return;
  const seq = new Sequencer(store.storage, store.config.name);
  const entries = [];
  for (let i = from; i < to; i++) entries.push(makeEntry('r', i));
  await seq.appendBatch(entries);
  await seq.close();
}

/** Checks `cp.coseRoot`'s headers and that it verifies over the root its note signs. */
async function checkRootSignature(cp: StoredCheckpoint, store: Store): Promise<Uint8Array> {
  const { rootHash } = await openStored(cp, store.config);
  assert.ok(cp.coseRoot, `checkpoint ${cp.size} has a root signature`);
  assert.equal(cp.coseRoot[0], 0xd2, 'COSE_Sign1_Tagged');
  const sign1 = decodeSign1(cp.coseRoot);
  assert.equal(sign1.payload, null, 'detached payload');
  assert.equal(sign1.unprotected.entries.length, 0);
  assert.equal(sign1.protected.get(1), -8);
  assert.deepEqual(sign1.protected.get(4), coseKeyThumbprint(KEY));
  assert.equal(sign1.protected.get(HEADER_VDS), 1);
  assert.equal((sign1.protected.get(HEADER_CWT_CLAIMS) as CborMap).get(1), ORIGIN);
  verifySign1(cp.coseRoot, [KEY], { payload: rootHash, ...options });
  return rootHash;
}

describe('root signatures', () => {
  test('every new checkpoint carries one, by the log key, over its own root only', async (t) => {
    const store = await openStore(t);
    const signer = countingSigner(logSigner());
    const publisher = new Publisher(store.storage, store.config, signer, { receiptFormat });
    const roots: Uint8Array[] = [];
    let grown = 0;
    for (const size of [0, 1, 7, 300]) {
      await grow(store, grown, size);
      grown = size;
      const cp = await publisher.publish();
      assert.equal(cp?.size, size);
      roots.push(await checkRootSignature(cp, store));
    }
    assert.equal(signer.calls(), 8, 'one note and one root signature per checkpoint');
    const history = await store.storage.checkpointHistory(store.config.name, 10);
    for (let i = 0; i < history.length; i++) {
      assert.deepEqual(await checkRootSignature(history[i]!, store), roots[i]);
      // Swapped onto another checkpoint, it does not verify over that one's root.
      for (let j = 0; j < roots.length; j++) {
        if (j === i) continue;
        assert.throws(
          () => verifySign1(history[i]!.coseRoot!, [KEY], { payload: roots[j]!, ...options }),
          { code: 'INVALID_SIGNATURE' },
        );
      }
    }
    // Nothing new: nothing signed, the stored one stays as it was.
    assert.equal(await publisher.publish(), undefined);
    assert.equal(signer.calls(), 8);
  });

  test('during a rotation the registered key alone makes it, not the successor', async (t) => {
    const store = await openStore(t);
    const successorSeed = Uint8Array.from({ length: 32 }, (_, i) => 100 + i);
    const successor = nodeEd25519Signer(ORIGIN, successorSeed);
    await grow(store, 0, 3);
    const publisher = new Publisher(store.storage, store.config, [logSigner(), successor], {
      receiptFormat,
    });
    const cp = await publisher.publish();
    await checkRootSignature(cp!, store);
    const successorKey = ed25519CoseKey(
      parseSignerKey(formatSignerKey(ORIGIN, successorSeed)).publicKey,
    );
    const { rootHash } = await openStored(cp!, store.config);
    assert.throws(() =>
      verifySign1(cp!.coseRoot!, [successorKey], { payload: rootHash, ...options }),
    );
  });

  test('a first signing key that is not the registered key is refused at construction', async (t) => {
    const store = await openStore(t);
    const other = nodeEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));
    assert.throws(
      () => new Publisher(store.storage, store.config, [other, logSigner()], { receiptFormat }),
      /registered key/,
    );
    // The registered key under another name in the configuration: refused too.
    const renamed = {
      ...store.config,
      verifierKey: formatVerifierKey('other.test/log', PUBLIC_KEY),
    };
    assert.throws(
      () => new Publisher(store.storage, renamed, logSigner(), { receiptFormat }),
      /registered key/,
    );
  });

  test('a token that signs with another key fails the round: nothing is published', async (t) => {
    const store = await openStore(t);
    await grow(store, 0, 4);
    const registered = logSigner();
    const wrong = nodeEd25519Signer(ORIGIN, new Uint8Array(32).fill(9));
    let calls = 0;
    // Signs the note right, then the root signature with another key (e.g. a swapped HSM slot).
    const faulty = {
      name: registered.name,
      keyId: registered.keyId,
      sign: (m: Uint8Array) => (calls++ === 0 ? registered.sign(m) : wrong.sign(m)),
    };
    const publisher = new Publisher(store.storage, store.config, faulty, { receiptFormat });
    await assert.rejects(publisher.publish(), { code: 'INVALID_SIGNATURE' });
    assert.equal(await store.storage.latestCheckpoint(store.config.name), undefined);
  });
});
