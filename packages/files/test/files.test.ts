import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  FilesError,
  checkPrivateDirectory,
  createPrivateFileOnce,
  readPrivateFile,
  replaceFileDurably,
  writeFileDurably,
} from '../src/index.js';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'proofline-files-'));
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('writeFileDurably', () => {
  it('creates and replaces the whole file, mode 0600, leaving no temporary file', () => {
    const dir = scratch();
    const path = join(dir, 'state');
    assert.equal(writeFileDurably(path, 'one\n'), true);
    assert.equal(readFileSync(path, 'utf8'), 'one\n');
    assert.equal(writeFileDurably(path, 'two\n'), true);
    assert.equal(readFileSync(path, 'utf8'), 'two\n');
    assert.equal(mode(path), 0o600);
    assert.deepEqual(readdirSync(dir), ['state']);
  });

  it('narrows a file an operator widened: the replacement is 0600 again', () => {
    const dir = scratch();
    const path = join(dir, 'state');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    writeFileDurably(path, 'new');
    assert.equal(mode(path), 0o600);
  });

  it('with once, never replaces an existing file', () => {
    const dir = scratch();
    const path = join(dir, 'state');
    assert.equal(writeFileDurably(path, 'first', true), true);
    assert.equal(writeFileDurably(path, 'second', true), false);
    assert.equal(readFileSync(path, 'utf8'), 'first');
    assert.deepEqual(readdirSync(dir), ['state']);
  });

  it('fails on a missing folder without creating anything', () => {
    const dir = scratch();
    assert.throws(
      () => writeFileDurably(join(dir, 'missing', 'state'), 'x'),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('replaceFileDurably', () => {
  it('creates and replaces the whole file, mode 0600, leaving no temporary file', async () => {
    const dir = scratch();
    const path = join(dir, 'state');
    await replaceFileDurably(path, 'one\n');
    assert.equal(readFileSync(path, 'utf8'), 'one\n');
    writeFileSync(path, 'old');
    chmodSync(path, 0o644);
    await replaceFileDurably(path, 'two\n');
    assert.equal(readFileSync(path, 'utf8'), 'two\n');
    assert.equal(mode(path), 0o600);
    assert.deepEqual(readdirSync(dir), ['state']);
  });

  it('removes its temporary file when the rename fails', async () => {
    const dir = scratch();
    const path = join(dir, 'state');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'x');
    await assert.rejects(replaceFileDurably(path, 'new'));
    assert.deepEqual(readdirSync(dir), ['state']);
  });

  it('fails on a missing folder without creating anything', async () => {
    const dir = scratch();
    await assert.rejects(
      replaceFileDurably(join(dir, 'missing', 'state'), 'x'),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('createPrivateFileOnce', () => {
  it('creates once: of many racing creators exactly one wins, and its content stays', () => {
    const dir = scratch();
    const path = join(dir, 'a.key');
    const won = Array.from({ length: 20 }, (_, i) => createPrivateFileOnce(path, `key ${i}\n`));
    assert.deepEqual(won.filter(Boolean).length, 1);
    assert.equal(readFileSync(path, 'utf8'), 'key 0\n');
    assert.equal(mode(path), 0o600);
    assert.deepEqual(readdirSync(dir), ['a.key']);
  });
});

describe('readPrivateFile', () => {
  it('reads a 0600 (or 0400) file', () => {
    const dir = scratch();
    const path = join(dir, 'a.key');
    createPrivateFileOnce(path, 'secret');
    assert.equal(readPrivateFile(path), 'secret');
    chmodSync(path, 0o400);
    assert.equal(readPrivateFile(path), 'secret');
  });

  it('refuses a file group or others may access in any way, naming the fix', () => {
    const dir = scratch();
    const path = join(dir, 'a.key');
    createPrivateFileOnce(path, 'secret');
    for (const m of [0o640, 0o604, 0o620, 0o602, 0o610, 0o601, 0o666]) {
      chmodSync(path, m);
      assert.throws(
        () => readPrivateFile(path),
        (e: unknown) =>
          e instanceof FilesError &&
          e.code === 'NOT_PRIVATE' &&
          e.path === path &&
          e.message.includes(`chmod 600 ${path}`),
        m.toString(8),
      );
    }
  });

  it('refuses a folder or a FIFO where the file should be, without hanging', () => {
    const dir = scratch();
    const fifo = join(dir, 'a.key');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    for (const path of [dir, fifo]) {
      assert.throws(
        () => readPrivateFile(path),
        (e: unknown) => e instanceof FilesError && e.code === 'NOT_A_FILE' && e.path === path,
      );
    }
  });

  it('passes the file system error through for a missing file (callers create on ENOENT)', () => {
    assert.throws(
      () => readPrivateFile(join(scratch(), 'none.key')),
      (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
    );
  });
});

describe('checkPrivateDirectory', () => {
  it('accepts 0700 and refuses any access for group or others', () => {
    const dir = scratch();
    chmodSync(dir, 0o700);
    checkPrivateDirectory(dir);
    for (const m of [0o750, 0o705, 0o770, 0o701, 0o710]) {
      chmodSync(dir, m);
      assert.throws(
        () => checkPrivateDirectory(dir, 'the key folder'),
        (e: unknown) =>
          e instanceof FilesError &&
          e.code === 'NOT_PRIVATE' &&
          e.message.includes(`the key folder ${dir}`) &&
          e.message.includes(`chmod 700 ${dir}`),
        m.toString(8),
      );
    }
  });
});
