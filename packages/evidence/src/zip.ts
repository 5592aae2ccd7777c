import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { EvidenceError } from './errors.js';
import { isSafeName } from './names.js';

export { isSafeName };

function zipError(message: string, cause?: unknown): EvidenceError {
  return new EvidenceError('ZIP', message, { cause });
}

/** Writes a ZIP archive: members in the order added, all with the same timestamp. */
export class ZipWriter {
  private readonly zip = new yazl.ZipFile();
  private readonly names = new Set<string>();
  private readonly done: Promise<void>;

  constructor(
    path: string,
    private readonly mtime: Date,
  ) {
    const out = createWriteStream(path, { mode: 0o644 });
    this.done = new Promise((resolve, reject) => {
      out.on('close', resolve);
      out.on('error', reject);
      this.zip.outputStream.on('error', reject);
    });
    this.zip.outputStream.pipe(out);
  }

  private claim(name: string): void {
    if (!isSafeName(name) || this.names.has(name)) throw zipError(`bad or repeated member ${name}`);
    this.names.add(name);
  }

  addBuffer(name: string, data: Uint8Array | string): void {
    this.claim(name);
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    this.zip.addBuffer(buffer, name, { mtime: this.mtime, mode: 0o100644 });
  }

  addFile(name: string, path: string): void {
    this.claim(name);
    this.zip.addFile(path, name, { mtime: this.mtime, mode: 0o100644 });
  }

  async close(): Promise<void> {
    this.zip.end();
    await this.done;
  }
}

/** Bounds on what a ZipReader accepts, checked on the central directory before reading. */
export interface ZipLimits {
  readonly maxEntries: number;
  /** The largest uncompressed size allowed for a member of this name. */
  readonly maxSize: (name: string) => number;
  readonly maxTotal: number;
}

/**
 * Reads a ZIP archive with bounds (zip bombs): at most `maxEntries` members with safe, distinct
 * names, no directories or encrypted members, each declared size within `maxSize(name)` and
 * all within `maxTotal`; yauzl checks while inflating that no member exceeds its declared
 * size, so nothing inflates past the bounds.
 */
export class ZipReader {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: ReadonlyMap<string, yauzl.Entry>,
  ) {}

  static async open(path: string, limits: ZipLimits): Promise<ZipReader> {
    const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
      yauzl.open(
        path,
        {
          lazyEntries: true,
          autoClose: false,
          validateEntrySizes: true,
          strictFileNames: true,
          decodeStrings: true,
        },
        (err, z) =>
          err ? reject(zipError(`not a readable ZIP: ${err.message}`, err)) : resolve(z),
      ),
    );
    const entries = new Map<string, yauzl.Entry>();
    let total = 0;
    try {
      if (zip.entryCount > limits.maxEntries) {
        throw zipError(`the archive has ${zip.entryCount} members, more than ${limits.maxEntries}`);
      }
      await new Promise<void>((resolve, reject) => {
        zip.on('error', (err: Error) => reject(zipError(`unreadable ZIP: ${err.message}`, err)));
        zip.on('end', () => resolve());
        zip.on('entry', (entry: yauzl.Entry) => {
          const name = entry.fileName;
          try {
            if (!isSafeName(name)) throw zipError(`unsafe member name ${JSON.stringify(name)}`);
            if (entries.has(name)) throw zipError(`member ${name} appears twice`);
            if (entry.isEncrypted()) throw zipError(`member ${name} is encrypted`);
            if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
              throw zipError(`member ${name} uses compression method ${entry.compressionMethod}`);
            }
            if (entry.uncompressedSize > limits.maxSize(name)) {
              throw zipError(
                `member ${name} is ${entry.uncompressedSize} bytes, more than ${limits.maxSize(name)}`,
              );
            }
            total += entry.uncompressedSize;
            if (total > limits.maxTotal) {
              throw zipError(`the archive inflates to more than ${limits.maxTotal} bytes`);
            }
          } catch (err) {
            reject(err);
            return;
          }
          entries.set(name, entry);
          zip.readEntry();
        });
        zip.readEntry();
      });
    } catch (err) {
      zip.close();
      throw err;
    }
    return new ZipReader(zip, entries);
  }

  /** Member names in archive order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  size(name: string): number {
    return this.entries.get(name)?.uncompressedSize ?? 0;
  }

  /** The inflated bytes of a member, as a stream (errors if they exceed the declared size). */
  async stream(name: string): Promise<Readable> {
    const entry = this.entries.get(name);
    if (!entry) throw zipError(`no member ${name}`);
    return new Promise((resolve, reject) =>
      this.zip.openReadStream(entry, (err, stream) =>
        err ? reject(zipError(`cannot read ${name}: ${err.message}`, err)) : resolve(stream),
      ),
    );
  }

  /** The inflated bytes of a member. */
  async read(name: string): Promise<Buffer> {
    const stream = await this.stream(name);
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of stream) chunks.push(chunk as Buffer);
    } catch (err) {
      throw zipError(`cannot read ${name}: ${(err as Error).message}`, err);
    }
    return Buffer.concat(chunks);
  }

  close(): void {
    this.zip.close();
  }
}
