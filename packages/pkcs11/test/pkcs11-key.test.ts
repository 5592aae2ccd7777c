import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPublicKey, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  openPkcs11Key,
  parsePkcs11Uri,
  readPin,
  Pkcs11KeyError,
  type Pkcs11KeyOptions,
} from '../src/index.js';
import { SoftHsmStore, softhsm } from '../testing/softhsm.js';

const env = softhsm();
const skip = 'skip' in env ? env.skip : false;

function verifies(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]);
  return verify(
    null,
    message,
    createPublicKey({ key: spki, format: 'der', type: 'spki' }),
    signature,
  );
}

describe('openPkcs11Key (SoftHSM2)', { skip }, () => {
  let dir: string;
  let base: Pkcs11KeyOptions;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'proofline-pkcs11-'));
    const store = new SoftHsmStore(dir, (env as { module: string }).module);
    store.initToken('log-keys', '1111');
    store.generateKey('log-keys', '1111', 'log-key');
    store.generateKey('log-keys', '1111', 'rsa-key', 'rsa:2048');
    store.generateKey('log-keys', '1111', 'twin');
    store.generateKey('log-keys', '1111', 'twin');
    base = { module: store.module, token: 'log-keys', key: 'log-key', pin: '1111' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('signs with the key; signatures verify with the public key read from the token', () => {
    const key = openPkcs11Key(base);
    try {
      assert.equal(key.publicKey.length, 32);
      const m = new TextEncoder().encode('ledger.example/logs/hsm\n1\nAAAA\n');
      const signature = key.signSync(m);
      assert.ok(verifies(key.publicKey, m, signature));
      assert.ok(!verifies(key.publicKey, new TextEncoder().encode('other'), signature));
      // The same key from a second open: same public key, same (deterministic) signature.
      const again = openPkcs11Key(base);
      assert.deepEqual(again.publicKey, key.publicKey);
      assert.deepEqual(again.signSync(m), signature);
      again.close();
    } finally {
      key.close();
    }
  });

  it('two keys of one module share its initialization; closing one keeps the other', () => {
    const a = openPkcs11Key(base);
    const b = openPkcs11Key(base);
    a.close();
    assert.equal(b.signSync(new Uint8Array(1)).length, 64);
    b.close();
    b.close(); // idempotent
    assert.throws(() => b.signSync(new Uint8Array(1)), { code: 'SIGN_FAILED' });
  });

  it('reopens a session the token dropped (and logs in again), once per signature', () => {
    const key = openPkcs11Key(base);
    try {
      const m = new Uint8Array([1, 2, 3]);
      const before = key.signSync(m);
      // Another handle on the same module (same process): closing every session of the slot
      // is what a token reset or a re-plug does to this process's session and login.
      const lib = createRequire(import.meta.url)('pkcs11js') as typeof import('pkcs11js');
      const other = new lib.PKCS11();
      other.load(base.module); // never C_Finalize: the module is shared with `key`
      const slot = other
        .C_GetSlotList(true)
        .find((s) => other.C_GetTokenInfo(s).label.trim() === base.token)!;
      other.C_CloseAllSessions(slot);
      assert.deepEqual(key.signSync(m), before);
    } finally {
      key.close();
    }
  });

  const refusals: [string, Partial<Pkcs11KeyOptions>, string, RegExp][] = [
    ['a wrong PIN', { pin: '9999' }, 'LOGIN_FAILED', /CKR_PIN_INCORRECT/],
    [
      'a missing key label',
      { key: 'no-such-key' },
      'KEY_NOT_FOUND',
      /no private key "no-such-key"/,
    ],
    ['an absent token', { token: 'unplugged' }, 'TOKEN_NOT_FOUND', /present: "log-keys"/],
    ['a non-Ed25519 key', { key: 'rsa-key' }, 'UNSUPPORTED_KEY', /not an EdDSA key/],
    ['an ambiguous key label', { key: 'twin' }, 'KEY_NOT_FOUND', /several private keys/],
    [
      'a missing module',
      { module: join('/nonexistent', 'p11.so') },
      'MODULE_UNAVAILABLE',
      /cannot load/,
    ],
  ];
  for (const [what, change, code, msg] of refusals) {
    it(`refuses ${what} when opened, with ${code}`, () => {
      assert.throws(
        () => openPkcs11Key({ ...base, ...change }),
        (err: unknown) =>
          err instanceof Pkcs11KeyError && err.code === code && msg.test(err.message),
      );
    });
  }

  it('a refused open leaves the module usable for a correct one', () => {
    assert.throws(() => openPkcs11Key({ ...base, pin: 'bad' }));
    const key = openPkcs11Key(base);
    assert.equal(key.signSync(new Uint8Array(1)).length, 64);
    // pkcs11js passes an empty buffer as a NULL pointer, which tokens refuse: refused here.
    assert.throws(() => key.signSync(new Uint8Array(0)), TypeError);
    key.close();
  });
});

describe('parsePkcs11Uri / readPin', () => {
  const MOD = 'module-path=/usr/lib/softhsm/libsofthsm2.so';

  it('reads token, object, module and the PIN source', () => {
    assert.deepEqual(parsePkcs11Uri(`pkcs11:token=log%20keys;object=k1;type=private?${MOD}`), {
      token: 'log keys',
      key: 'k1',
      module: '/usr/lib/softhsm/libsofthsm2.so',
      pin: { env: 'PROOFLINE_PKCS11_PIN' },
    });
    assert.deepEqual(
      parsePkcs11Uri(`pkcs11:token=t;object=k?${MOD}&pin-source=file:/run/pin`).pin,
      {
        file: '/run/pin',
      },
    );
    assert.deepEqual(parsePkcs11Uri(`pkcs11:token=t;object=k?${MOD}&x-pin-env=HSM_PIN`).pin, {
      env: 'HSM_PIN',
    });
  });

  it('refuses a PIN in the URI, without echoing it', () => {
    assert.throws(
      () => parsePkcs11Uri(`pkcs11:token=t;object=k?${MOD}&pin-value=123456`),
      (err: Error) => /pin-value is refused/.test(err.message) && !err.message.includes('123456'),
    );
  });

  for (const bad of [
    `pkcs11:token=t?${MOD}`, // no object
    `pkcs11:object=k?${MOD}`, // no token
    'pkcs11:token=t;object=k', // no module
    `pkcs11:token=t;object=k;id=%01?${MOD}`, // unsupported (would select by another attribute)
    `pkcs11:token=t;token=u;object=k?${MOD}`, // repeated
    `pkcs11:token=t;object=k;type=public?${MOD}`,
    `pkcs11:token=t;object=k?${MOD}&pin-source=/a&x-pin-env=B`,
    `pkcs11:token=%ZZ;object=k?${MOD}`,
    'file:/etc/key',
  ]) {
    it(`refuses ${bad}`, () => assert.throws(() => parsePkcs11Uri(bad), TypeError));
  }

  it('reads the PIN from a file (one trailing newline dropped) or the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'proofline-pin-'));
    try {
      writeFileSync(join(dir, 'pin'), '0042\n', { mode: 0o600 });
      assert.equal(readPin({ file: join(dir, 'pin') }), '0042');
      writeFileSync(join(dir, 'shared'), '0042\n', { mode: 0o644 });
      assert.throws(() => readPin({ file: join(dir, 'shared') }), /other users may read it/);
      writeFileSync(join(dir, 'empty'), '\n', { mode: 0o600 });
      assert.throws(() => readPin({ file: join(dir, 'empty') }), { code: 'LOGIN_FAILED' });
      assert.throws(() => readPin({ file: join(dir, 'none') }), { code: 'LOGIN_FAILED' });
      process.env.PROOFLINE_TEST_PIN = '77';
      assert.equal(readPin({ env: 'PROOFLINE_TEST_PIN' }), '77');
      delete process.env.PROOFLINE_TEST_PIN;
      assert.throws(() => readPin({ env: 'PROOFLINE_TEST_PIN' }), /PROOFLINE_TEST_PIN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
