/**
 * verify.html, the offline verifier of an evidence package (see README.txt in the package and
 * docs/evidence.md). The auditor opens it from the unzipped package (file://) and chooses or
 * drops the package's folder or its ZIP; every check of `proofline verify-evidence` then runs
 * here, on those files, with @proofline/evidence's verifyPackage (the same code). Nothing is
 * sent anywhere (the CSP forbids every connection). The page came with the package, so its verdict
 * is a convenience: it shows the key it verified against and takes a pinned one.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
  PACKAGE_LIMITS,
  catalogueFrom,
  fail,
  isSafeName,
  issuerKeysFromPem,
  pass,
  verifyPackage,
  type EvidenceVerification,
  type Item,
  type PackageFiles,
  type Sha256,
  type VerifyPackageOptions,
} from '@proofline/evidence/browser';
import { contentDigest, type DigestAlgorithm } from '@proofline/verify';
import controls from '../data/controls.json';
import { openZip } from './zip-reader.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const encoder = new TextEncoder();

function browserSha256(): Sha256 {
  const h = sha256.create();
  return {
    update: (data) => h.update(typeof data === 'string' ? encoder.encode(data) : data),
    digest: () => bytesToHex(h.digest()),
  };
}

/** The dropped files as package members: paths relative to the package folder. */
function packageFiles(files: ReadonlyMap<string, File>): PackageFiles {
  const get = (name: string) => {
    const f = files.get(name);
    if (!f) throw new Error(`${name} is missing`);
    return f;
  };
  return {
    names: () => [...files.keys()],
    has: (name) => files.has(name),
    size: (name) => files.get(name)?.size ?? 0,
    read: async (name) => new Uint8Array(await get(name).arrayBuffer()),
    stream: async (name) => {
      const reader = get(name).stream().getReader();
      return {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        },
      };
    },
  };
}

/**
 * The container checks the ZIP reader does for the CLI: names relative to one folder, and the
 * same size bounds per member and in total (nothing larger is read).
 */
function containerItem(files: ReadonlyMap<string, File>, dropped: number): Item {
  const problems: string[] = [];
  let total = 0;
  for (const [name, f] of files) {
    total += f.size;
    if (!isSafeName(name)) problems.push(`unsafe file name ${JSON.stringify(name)}`);
    if (f.size > PACKAGE_LIMITS.maxSize(name))
      problems.push(`${name} is too large (${f.size} bytes)`);
  }
  if (files.size !== dropped) problems.push('two files have the same path');
  if (files.size > PACKAGE_LIMITS.maxEntries) problems.push(`${files.size} files: too many`);
  if (total > PACKAGE_LIMITS.maxTotal) problems.push(`${total} bytes: too large`);
  return problems.length === 0
    ? pass('files', `${files.size} files of the package folder, read in this browser`)
    : fail('files', problems.join('; '));
}

/** Strips the folder the auditor chose ("evidence/manifest.json" → "manifest.json"). */
function relative(paths: readonly string[]): string[] {
  const first = paths.map((p) => p.split('/')[0]);
  const common =
    paths.every((p) => p.includes('/')) && first.every((f) => f === first[0]) ? first[0] : '';
  return paths.map((p) => (common ? p.slice(common.length + 1) : p));
}

async function entries(entry: FileSystemEntry, prefix: string, out: [string, File][]) {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    out.push([`${prefix}${entry.name}`, file]);
  } else if (entry.isDirectory) {
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    for (;;) {
      const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
        reader.readEntries(resolve, reject),
      );
      if (batch.length === 0) break;
      for (const e of batch) await entries(e, `${prefix}${entry.name}/`, out);
    }
  }
}

/** What the auditor chose: the unzipped folder's files, or the package ZIP. */
type Chosen =
  | { kind: 'folder'; files: Map<string, File>; dropped: number; from: string }
  | { kind: 'zip'; zip: File; from: string };
let chosen: Chosen | undefined;
/** Counts runs: a run whose package was replaced meanwhile does not show its result. */
let runs = 0;

function choose(list: [string, File][], from: string) {
  const names = relative(list.map(([p]) => p));
  const files = new Map(names.map((n, i) => [n, list[i]![1]]));
  chosen = { kind: 'folder', files, dropped: list.length, from };
  void run();
}

function chooseZip(zip: File) {
  chosen = { kind: 'zip', zip, from: `the ZIP ${zip.name}` };
  void run();
}

/** The chosen package as PackageFiles, with the item about its container. */
async function open(c: Chosen): Promise<{ files?: PackageFiles; item: Item }> {
  if (c.kind === 'folder') {
    return { files: packageFiles(c.files), item: containerItem(c.files, c.dropped) };
  }
  try {
    const files = await openZip(c.zip);
    const n = files.names().length;
    return {
      files,
      item: pass('archive', `${n} members, names safe and distinct, sizes within bounds`),
    };
  } catch (err) {
    return { item: fail('archive', (err as Error).message) };
  }
}

function policy(): VerifyPackageOptions {
  const key = $<HTMLTextAreaElement>('log-key').value.trim();
  const witnessKeys = $<HTMLTextAreaElement>('witness-keys')
    .value.split('\n')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const quorum = Number($<HTMLInputElement>('witness-quorum').value || witnessKeys.length);
  // TrustPolicy takes TSA roots as base64 DER: the bodies of the pasted PEM certificates.
  const roots = [
    ...$<HTMLTextAreaElement>('tsa-roots').value.matchAll(
      /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g,
    ),
  ].map((m) => m[1]!.replace(/\s+/g, ''));
  const requireTimestamp = $<HTMLInputElement>('require-timestamp').checked;
  const statementKeys = issuerKeysFromPem($<HTMLTextAreaElement>('statement-keys').value);
  return {
    ...(key ? { logKey: key } : {}),
    ...(statementKeys.length > 0 ? { statementKeys } : {}),
    ...(witnessKeys.length > 0 ? { witnesses: { keys: witnessKeys, quorum } } : {}),
    ...(roots.length > 0 ? { timestampAuthorities: { roots } } : {}),
    ...(requireTimestamp ? { requireTimestamp } : {}),
  };
}

function li(item: Item): HTMLLIElement {
  const el = document.createElement('li');
  el.dataset.item = item.name;
  el.dataset.status = item.status;
  const name = document.createElement('strong');
  name.textContent = `${item.status.toUpperCase()} ${item.name}`;
  el.append(name, ` ${item.detail}`);
  return el;
}

async function run() {
  if (!chosen) return;
  const current = chosen;
  const mine = ++runs;
  const body = document.body;
  body.dataset.verification = 'running';
  $('verdict').textContent = 'Verifying…';
  $('items').replaceChildren();
  $('samples').replaceChildren();
  let options: VerifyPackageOptions;
  try {
    options = policy();
  } catch (err) {
    // A pasted issuer key that is not a PEM public key: nothing is verified.
    body.dataset.verification = 'failed';
    $('verdict').textContent =
      `NOT VERIFIED: a pasted key is not usable: ${(err as Error).message}`;
    return;
  }
  const keyShown = $('key-used');
  $('source').textContent = current.from;
  const { files, item } = await open(current);
  let result: EvidenceVerification;
  try {
    result = files
      ? await verifyPackage(
          files,
          { sha256: browserSha256, catalogue: catalogueFrom(controls), page: 'self' },
          {
            ...options,
            onProgress: (phase, done, total) => {
              if (mine !== runs) return;
              $('verdict').textContent =
                `Verifying: ${phase} ${done}${total ? ` of ${total}` : ''}…`;
            },
          },
          [item],
        )
      : { ok: false, complete: false, items: [item] };
  } catch (err) {
    // A bad trust policy (pasted witness keys, quorum): nothing was verified.
    result = { ok: false, complete: false, items: [fail('trust', (err as Error).message)] };
  }
  if (mine !== runs) return;
  const pinned = options.logKey;
  keyShown.textContent = pinned ?? result.manifest?.logKey ?? '(none)';
  const chain = result.keyChain
    ? ` (and through the log's key history, which it vouches for, against the ${result.keyChain.length} keys of its chain, each within its range: see the key-history item)`
    : '';
  $('key-source').textContent = pinned
    ? `pasted by you: every signature was checked against it${chain}`
    : `the package's own log-key.txt, NOT a key you obtained independently: whoever edited the package could have replaced it with every signature. Paste the log key you trust above.${chain}`;
  $('key-source').dataset.source = pinned ? 'pinned' : 'package';
  const w = options.witnesses;
  $('witness-used').textContent = w
    ? `${w.quorum} of ${w.keys.length} witnesses you gave`
    : 'none given: witness cosignatures were not checked';
  const roots = options.timestampAuthorities?.roots.length ?? 0;
  $('tsa-used').textContent = roots
    ? `${roots} root certificate${roots > 1 ? 's' : ''} you gave${options.requireTimestamp ? ', a timestamp required' : ''}`
    : 'none given: timestamps were not checked';
  const issuers = options.statementKeys?.length ?? 0;
  $('statement-keys-used').textContent = issuers
    ? `${issuers} key${issuers > 1 ? 's' : ''} you gave`
    : 'none given: statement issuer signatures were not checked';
  $('items').replaceChildren(...result.items.map(li));
  const verdict = result.complete ? 'passed' : 'failed';
  const warnings = result.items.filter((i) => i.status === 'warn').length;
  $('verdict').textContent = result.complete
    ? `VERIFIED: every check passed on ${current.from}${warnings ? `, with ${warnings} warning${warnings > 1 ? 's' : ''} below` : ''}.`
    : result.ok
      ? 'INCOMPLETE: nothing failed, but an item could not be verified (below).'
      : `NOT VERIFIED: ${result.items.filter((i) => i.status === 'fail').length} check(s) failed on ${current.from}. Do not rely on this package.`;
  showSamples(result);
  body.dataset.verification = verdict;
}

/** The sampled records, each with a place to drop its original output. */
function showSamples(result: EvidenceVerification) {
  const rows = (result.sample ?? []).map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.record = r.id;
    const cells = [r.id, r.type, r.time, r.digest, r.verified ? 'verified' : 'FAILED'].map((t) => {
      const td = document.createElement('td');
      td.textContent = t;
      return td;
    });
    const input = document.createElement('input');
    input.type = 'file';
    input.title = `The original output of ${r.id}`;
    const out = document.createElement('td');
    const status = document.createElement('span');
    status.className = 'output';
    input.addEventListener('change', async () => {
      const file = input.files?.[0];
      if (!file) return;
      const algorithm = r.digest.slice(0, r.digest.indexOf(':')) as DigestAlgorithm;
      let digest: string;
      try {
        digest = await contentDigest(new Uint8Array(await file.arrayBuffer()), algorithm);
      } catch (err) {
        tr.dataset.output = 'error';
        status.textContent = `${file.name} could not be compared: ${(err as Error).message}`;
        return;
      }
      const same = digest === r.digest;
      tr.dataset.output = same ? 'match' : 'mismatch';
      status.textContent = same
        ? `${file.name} is the original: its digest is the record's`
        : `${file.name} is NOT the original: its digest ${digest} differs from the record's`;
    });
    out.append(input, status);
    tr.append(...cells, out);
    return tr;
  });
  $('samples').replaceChildren(...rows);
}

$<HTMLInputElement>('folder').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const list = [...(input.files ?? [])].map(
    (f) => [f.webkitRelativePath || f.name, f] as [string, File],
  );
  if (list.length > 0) choose(list, 'the folder you chose');
});
const zone = $('drop');
zone.addEventListener('dragover', (e) => {
  e.preventDefault();
  zone.classList.add('over');
});
zone.addEventListener('dragleave', () => zone.classList.remove('over'));
zone.addEventListener('drop', async (e) => {
  e.preventDefault();
  zone.classList.remove('over');
  // The items are readable only during the event: take their entries before any await.
  const dropped = [...(e.dataTransfer?.items ?? [])];
  const found = dropped.map((item) => item.webkitGetAsEntry());
  const only = found.length === 1 ? found[0] : null;
  const zip =
    only?.isFile && only.name.toLowerCase().endsWith('.zip') ? dropped[0]!.getAsFile() : null;
  if (zip) {
    chooseZip(zip);
    return;
  }
  const out: [string, File][] = [];
  for (const entry of found) if (entry) await entries(entry, '', out);
  if (out.length > 0) choose(out, 'the folder you dropped');
});
$<HTMLInputElement>('zip').addEventListener('change', (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file) chooseZip(file);
});
$('verify').addEventListener('click', () => void run());
document.body.dataset.verification = 'pending';
