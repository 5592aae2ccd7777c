/**
 * Reads an evidence package ZIP chosen in the browser, with the bounds verify-evidence's
 * ZipReader applies (PACKAGE_LIMITS): the central directory (ZIP64 too) is read and checked
 * first (member count, safe and distinct names, no encryption, stored or deflated only,
 * declared sizes per member and in total), then members are inflated on demand with
 * DecompressionStream, never past their declared size. Throws Error with the reason.
 */
import { isSafeName, PACKAGE_LIMITS, type PackageFiles } from '@proofline/evidence/browser';

interface Member {
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly offset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Bound on the central directory read into memory (4,000,100 members of short names). */
const MAX_DIRECTORY = 1024 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function bytes(blob: Blob, start: number, end: number): Promise<DataView> {
  if (start < 0 || end > blob.size || start > end) throw new Error('not a ZIP: truncated');
  return new DataView(await blob.slice(start, end).arrayBuffer());
}

function u64(view: DataView, at: number): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error('not a ZIP: a 64-bit field');
  return Number(value);
}

/** Where the central directory is, and how many members it lists. */
async function directory(blob: Blob): Promise<{ count: number; offset: number; size: number }> {
  const tailStart = Math.max(0, blob.size - (22 + 0xffff));
  const tail = await bytes(blob, tailStart, blob.size);
  let at = tail.byteLength - 22;
  while (at >= 0 && tail.getUint32(at, true) !== EOCD) at--;
  if (at < 0) throw new Error('not a ZIP: no end of central directory');
  let count = tail.getUint16(at + 10, true);
  let size = tail.getUint32(at + 12, true);
  let offset = tail.getUint32(at + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const eocd = tailStart + at;
    const locator = await bytes(blob, eocd - 20, eocd);
    if (locator.getUint32(0, true) !== ZIP64_LOCATOR)
      throw new Error('not a ZIP: no ZIP64 locator');
    const record = u64(locator, 8);
    const z = await bytes(blob, record, record + 56);
    if (z.getUint32(0, true) !== ZIP64_EOCD) throw new Error('not a ZIP: no ZIP64 record');
    count = u64(z, 32);
    size = u64(z, 40);
    offset = u64(z, 48);
  }
  return { count, offset, size };
}

/** The ZIP64 extended values of a central directory header, for the fields set to 0xFFFFFFFF. */
function zip64Fields(extra: DataView, wanted: ('size' | 'compressedSize' | 'offset')[]) {
  const out: Partial<Record<'size' | 'compressedSize' | 'offset', number>> = {};
  for (let at = 0; at + 4 <= extra.byteLength;) {
    const id = extra.getUint16(at, true);
    const length = extra.getUint16(at + 2, true);
    if (id === 0x0001) {
      if (length < wanted.length * 8) throw new Error('not a ZIP: short ZIP64 field');
      wanted.forEach((field, i) => (out[field] = u64(extra, at + 4 + i * 8)));
      return out;
    }
    at += 4 + length;
  }
  if (wanted.length > 0) throw new Error('not a ZIP: missing ZIP64 field');
  return out;
}

async function members(blob: Blob): Promise<Map<string, Member>> {
  const { count, offset, size } = await directory(blob);
  if (count > PACKAGE_LIMITS.maxEntries) {
    throw new Error(`the archive has ${count} members, more than ${PACKAGE_LIMITS.maxEntries}`);
  }
  if (size > MAX_DIRECTORY) throw new Error('the central directory is too large');
  const cd = await bytes(blob, offset, offset + size);
  const out = new Map<string, Member>();
  let total = 0;
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cd.byteLength || cd.getUint32(at, true) !== CENTRAL) {
      throw new Error('not a ZIP: bad central directory');
    }
    const flags = cd.getUint16(at + 8, true);
    const method = cd.getUint16(at + 10, true);
    const nameLength = cd.getUint16(at + 28, true);
    const extraLength = cd.getUint16(at + 30, true);
    const commentLength = cd.getUint16(at + 32, true);
    const end = at + 46 + nameLength + extraLength + commentLength;
    if (end > cd.byteLength) throw new Error('not a ZIP: bad central directory');
    let name: string;
    try {
      name = utf8.decode(new Uint8Array(cd.buffer, at + 46, nameLength));
    } catch {
      throw new Error('a member name is not UTF-8');
    }
    const raw = {
      compressedSize: cd.getUint32(at + 20, true),
      size: cd.getUint32(at + 24, true),
      offset: cd.getUint32(at + 42, true),
    };
    const wanted = (['size', 'compressedSize', 'offset'] as const).filter(
      (f) => raw[f] === 0xffffffff,
    );
    const extended = zip64Fields(new DataView(cd.buffer, at + 46 + nameLength, extraLength), [
      ...wanted,
    ]);
    const member = { method, ...raw, ...extended };
    at = end;
    if (!isSafeName(name)) throw new Error(`unsafe member name ${JSON.stringify(name)}`);
    if (out.has(name)) throw new Error(`member ${name} appears twice`);
    if (flags & 1) throw new Error(`member ${name} is encrypted`);
    if (method !== 0 && method !== 8) {
      throw new Error(`member ${name} uses compression method ${method}`);
    }
    const max = PACKAGE_LIMITS.maxSize(name);
    if (member.size > max)
      throw new Error(`member ${name} is ${member.size} bytes, more than ${max}`);
    total += member.size;
    if (total > PACKAGE_LIMITS.maxTotal) {
      throw new Error(`the archive inflates to more than ${PACKAGE_LIMITS.maxTotal} bytes`);
    }
    out.set(name, member);
  }
  return out;
}

/** The ZIP's members as PackageFiles. Throws Error when the archive is not acceptable. */
export async function openZip(blob: Blob): Promise<PackageFiles> {
  const index = await members(blob);
  const get = (name: string) => {
    const m = index.get(name);
    if (!m) throw new Error(`${name} is missing`);
    return m;
  };
  async function* inflate(name: string): AsyncGenerator<Uint8Array> {
    const m = get(name);
    const local = await bytes(blob, m.offset, m.offset + 30);
    if (local.getUint32(0, true) !== LOCAL) throw new Error(`${name}: bad local header`);
    const start = m.offset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    if (start + m.compressedSize > blob.size) throw new Error(`${name}: truncated`);
    let stream = blob.slice(start, start + m.compressedSize).stream();
    if (m.method === 8) {
      stream = stream.pipeThrough(
        new DecompressionStream('deflate-raw') as unknown as ReadableWritablePair<
          Uint8Array<ArrayBuffer>,
          Uint8Array<ArrayBuffer>
        >,
      );
    }
    const reader = stream.getReader();
    let seen = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.length;
      if (seen > m.size) {
        await reader.cancel();
        throw new Error(`${name} inflates past its declared ${m.size} bytes`);
      }
      yield value;
    }
    if (seen !== m.size) throw new Error(`${name} is ${seen} bytes, not the declared ${m.size}`);
  }
  return {
    names: () => [...index.keys()],
    has: (name) => index.has(name),
    size: (name) => index.get(name)?.size ?? 0,
    read: async (name) => {
      const out = new Uint8Array(get(name).size);
      let at = 0;
      for await (const chunk of inflate(name)) {
        out.set(chunk, at);
        at += chunk.length;
      }
      return out;
    },
    stream: (name) => {
      get(name);
      return Promise.resolve(inflate(name));
    },
  };
}
