import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { EvidenceError, ZipReader, ZipWriter, isSafeName, type ZipLimits } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'proofline-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const LIMITS: ZipLimits = { maxEntries: 10, maxSize: () => 1 << 20, maxTotal: 4 << 20 };

async function write(name: string, members: [string, Uint8Array | string][]): Promise<string> {
  const path = join(dir, name);
  const zip = new ZipWriter(path, new Date('2026-03-01T00:00:00Z'));
  for (const [n, data] of members) zip.addBuffer(n, data);
  await zip.close();
  return path;
}

const zipError = (pattern: RegExp) => (e: unknown) =>
  e instanceof EvidenceError && e.code === 'ZIP' && pattern.test(e.message);

test('members round-trip, in order, and the archive is deterministic', async () => {
  const data = randomBytes(5000);
  const members: [string, Uint8Array | string][] = [
    ['a.txt', 'hello\n'],
    ['dir/b.bin', data],
    ['bundles/acme-7.tlog-proof', 'x'],
  ];
  const path = await write('ok.zip', members);
  const zip = await ZipReader.open(path, LIMITS);
  assert.deepEqual(zip.names(), ['a.txt', 'dir/b.bin', 'bundles/acme-7.tlog-proof']);
  assert.equal((await zip.read('a.txt')).toString(), 'hello\n');
  assert.deepEqual(await zip.read('dir/b.bin'), data);
  zip.close();
  const again = await write('ok2.zip', members);
  assert.deepEqual(readFileSync(again), readFileSync(path));
});

test('names must be safe and distinct', async () => {
  for (const name of ['../x', '/etc/passwd', 'a/../b', 'a//b', '', 'a\\b', '.hidden', 'x/']) {
    assert.equal(isSafeName(name), false, name);
  }
  assert.equal(isSafeName('checkpoints/end.sig'), true);
  assert.equal(isSafeName('HIPAA:164.312(b)'), false);
  const zip = new ZipWriter(join(dir, 'dup.zip'), new Date());
  zip.addBuffer('a', 'x');
  assert.throws(() => zip.addBuffer('a', 'y'), zipError(/repeated/));
  assert.throws(() => zip.addBuffer('../a', 'y'), zipError(/bad/));
  await zip.close();
  // A name rewritten in the archive bytes to escape the directory is refused on reading.
  const path = await write('evil.zip', [['aa/x', 'data']]);
  const bytes = readFileSync(path);
  writeFileSync(path, Buffer.from(bytes.toString('latin1').replaceAll('aa/x', '../x'), 'latin1'));
  await assert.rejects(
    ZipReader.open(path, LIMITS),
    zipError(/unsafe|invalid|relative|not a readable|unreadable/i),
  );
  // Two members of the same name.
  const twice = await write('twice.zip', [
    ['a1', 'x'],
    ['a2', 'y'],
  ]);
  const t = readFileSync(twice);
  writeFileSync(twice, Buffer.from(t.toString('latin1').replaceAll('a2', 'a1'), 'latin1'));
  await assert.rejects(ZipReader.open(twice, LIMITS), zipError(/twice/));
});

test('zip bombs: declared sizes are bounded before inflating, and lies are caught while inflating', async () => {
  const bomb = await write('bomb.zip', [['big', Buffer.alloc(8 << 20)]]);
  assert.ok(readFileSync(bomb).length < 64 << 10, 'highly compressible');
  await assert.rejects(ZipReader.open(bomb, LIMITS), zipError(/more than/));
  await assert.rejects(
    ZipReader.open(bomb, { ...LIMITS, maxSize: () => 16 << 20, maxTotal: 1 << 20 }),
    zipError(/inflates to more than/),
  );
  const many = await write(
    'many.zip',
    Array.from({ length: 11 }, (_, i): [string, string] => [`f${i}`, 'x']),
  );
  await assert.rejects(ZipReader.open(many, LIMITS), zipError(/members/));
  // A member whose central directory understates its size: inflating stops with an error.
  const liar = await write('liar.zip', [['small', Buffer.alloc(200_000, 0x61)]]);
  const b = readFileSync(liar);
  const cd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  b.writeUInt32LE(100, cd + 24); // uncompressed size in the central directory
  const lh = b.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
  if (b.readUInt32LE(lh + 22) !== 0) b.writeUInt32LE(100, lh + 22);
  writeFileSync(liar, b);
  const zip = await ZipReader.open(liar, LIMITS);
  await assert.rejects(zip.read('small'), zipError(/cannot read small/));
  zip.close();
  await assert.rejects(
    ZipReader.open(join(dir, 'missing.zip'), LIMITS),
    zipError(/not a readable ZIP/),
  );
  writeFileSync(join(dir, 'junk.zip'), randomBytes(1000));
  await assert.rejects(ZipReader.open(join(dir, 'junk.zip'), LIMITS), zipError(/ZIP/));
});
