import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fail, pass, type Item } from './check.js';
import { catalogue } from './controls.js';
import { checkTrust } from './trust.js';
import { pdfkitVersion, renderPdf } from './report-pdf.js';
import {
  PACKAGE_LIMITS,
  verifyPackage,
  type EvidenceVerification,
  type PackageFiles,
  type VerifyEnvironment,
  type VerifyPackageOptions,
} from './verify-package.js';
import { ZipReader } from './zip.js';

export type VerifyEvidenceOptions = VerifyPackageOptions;

/** Node's SHA-256 (the browser uses noble's: same digests). */
const nodeSha256 = () => {
  const hash = createHash('sha256');
  return {
    update(data: Uint8Array | string) {
      hash.update(data);
    },
    digest: () => hash.digest('hex'),
  };
};

/**
 * The SHA-256 of the verify.html this package ships (dist/verify.html, built from page/ by
 * scripts/build-page.mjs), or undefined when it has not been built: evidence packages then
 * cannot be written, and verify-evidence reports the package's page as not verified.
 */
export function pageHash(): string | undefined {
  try {
    return createHash('sha256').update(readPage()).digest('hex');
  } catch {
    return undefined;
  }
}

/** The built verify.html. Throws (ENOENT) when it has not been built. */
export function readPage(): Buffer {
  return readFileSync(new URL('../verify.html', import.meta.url));
}

/**
 * Verifies an evidence package offline (see docs/evidence.md and verifyPackage, which runs
 * every check over the ZIP's members): the archive is read within PACKAGE_LIMITS (zip bombs,
 * unsafe or repeated names), report.pdf is rendered again with this pdfkit, and verify.html is
 * compared with this verifier's own. Never throws for a bad package; throws EvidenceError
 * INVALID_ARGUMENT for a bad policy (see checkTrust).
 */
export async function verifyEvidence(
  path: string,
  options: VerifyEvidenceOptions = {},
): Promise<EvidenceVerification> {
  checkTrust(options);
  let zip: ZipReader;
  const items: Item[] = [];
  try {
    zip = await ZipReader.open(path, PACKAGE_LIMITS);
  } catch (err) {
    return { ok: false, complete: false, items: [fail('archive', (err as Error).message)] };
  }
  try {
    items.push(
      pass(
        'archive',
        `${zip.names().length} members, names safe and distinct, sizes within bounds`,
      ),
    );
    const env: VerifyEnvironment = {
      sha256: nodeSha256,
      catalogue: catalogue(),
      pdf: { version: pdfkitVersion(), render: renderPdf },
      page: pageHash() ?? 'missing',
    };
    const files: PackageFiles = {
      names: () => zip.names(),
      has: (name) => zip.has(name),
      size: (name) => (zip.has(name) ? zip.size(name) : 0),
      read: (name) => zip.read(name),
      stream: async (name) => (await zip.stream(name)) as AsyncIterable<Uint8Array>,
    };
    return await verifyPackage(files, env, options, items);
  } finally {
    zip.close();
  }
}
