/**
 * Evidence packages of a log that retired a key (docs/keys.md, docs/evidence.md): records
 * attested under the old key, rotate-key, retire-key, more records under the new key; one
 * package over both, exported with `proofline evidence` pinned to the new key. It carries the
 * log's key history (key-history.json, in the manifest and SHA256SUMS) and verifies offline
 * pinned to either key alone, naming the chain, in the CLI and in the browser page. A forger
 * (who can recompute SHA256SUMS and edit manifest.json) who removes the history, edits one
 * byte of a handover, swaps or truncates notes, extends a range, or brings a history signed by
 * unrelated keys gets a failure with a specific code.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import {
  base64Encode,
  ed25519Signer,
  formatVerifierKey,
  generateSignerKey,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signNote,
} from '@proofline/note';
import { parseKeyHandoverText, signKeyHandover } from '@proofline/records';
import {
  FILES,
  checkProofCheckpoints,
  parseJsonText,
  parseProof,
  ZipReader,
  ZipWriter,
  verifyEvidence,
  type EvidenceVerification,
  type Item,
} from '@proofline/evidence';
import {
  runProofline,
  startServer,
  stopServer,
  waitForSize,
  type Server,
} from './lib/proofline.js';
import { RETIRED_KEY_ORIGIN, retiredKeyLog } from './lib/retired-key.js';
import { openChainCheckpoint, verifyKeyChain } from '@proofline/verify';
import { launchChromium } from './lib/web.js';

const ORIGIN = RETIRED_KEY_ORIGIN;
const LIMITS = { maxEntries: 1e5, maxSize: () => 1 << 28, maxTotal: 2 ** 31 };

/** The members of a ZIP, in order. */
async function members(path: string): Promise<Map<string, Buffer>> {
  const zip = await ZipReader.open(path, LIMITS);
  const out = new Map<string, Buffer>();
  for (const name of zip.names()) out.set(name, Buffer.from(await zip.read(name)));
  zip.close();
  return out;
}

/** A forged copy of `src`: `edit` changes the members, then SHA256SUMS is recomputed. */
async function forge(
  src: string,
  dst: string,
  edit: (files: Map<string, Buffer>) => void,
): Promise<string> {
  const files = await members(src);
  files.delete(FILES.sums);
  edit(files);
  const out = new ZipWriter(dst, new Date());
  for (const [name, data] of files) out.addBuffer(name, data);
  out.addBuffer(
    FILES.sums,
    [...files].map(([n, d]) => `${createHash('sha256').update(d).digest('hex')}  ${n}\n`).join(''),
  );
  await out.close();
  return dst;
}

interface HistoryJson {
  retiredKeys: { verifierKey: string; start: number; end: number; handover: string }[];
  [k: string]: unknown;
}

/** Edits key-history.json (and, when `manifest` says so, the manifest's handover count). */
function editHistory(files: Map<string, Buffer>, edit: (h: HistoryJson) => void): void {
  const h = JSON.parse(files.get(FILES.keyHistory)!.toString()) as HistoryJson;
  edit(h);
  files.set(FILES.keyHistory, Buffer.from(`${JSON.stringify(h, null, 2)}\n`));
  const m = JSON.parse(files.get(FILES.manifest)!.toString()) as Record<string, unknown>;
  m.keyHistory = { handovers: h.retiredKeys.length };
  files.set(FILES.manifest, Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
}

const failed = (v: EvidenceVerification): Item[] => v.items.filter((i) => i.status === 'fail');
const codes = (v: EvidenceVerification): string[] => [
  ...new Set(failed(v).flatMap((i) => (i.code ? [i.code] : []))),
];

describe('evidence packages carry the key history of a log that retired a key', () => {
  let dir: string;
  let server: Server | undefined;
  let oldKey: string;
  let newKey: string;
  let pkg: string;
  let browser: Browser | undefined;

  before(async () => {
    // Entries [0, 25) sealed by the old key, 25 on by the new one; the period ends after 29.
    let apiKey: string, to: string;
    ({ dir, apiKey, oldKey, newKey, to } = await retiredKeyLog('evidence-keys', 'evidence keys'));
    server = await startServer(dir, ['--checkpoint-interval', '50']);
    await waitForSize(server.url, 32);
    pkg = join(dir, 'package.zip');
    const exported = runProofline([
      ...['evidence', '--url', server.url, '--api-key', apiKey, '--log-key', newKey],
      ...['--from', '2000-01-01', '--to', to, '--all', '--out', pkg],
    ]);
    assert.equal(exported.status, 0, exported.stdout + exported.stderr);
    assert.match(exported.stdout, /30 records in .*, population 30, 30 proof bundles/);
    await stopServer(server);
    server = undefined;
  });

  after(async () => {
    await browser?.close();
    if (server) await stopServer(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the package carries the handover notes as signed, listed in the manifest and SHA256SUMS', async () => {
    const files = await members(pkg);
    const history = JSON.parse(files.get(FILES.keyHistory)!.toString()) as HistoryJson;
    assert.equal(history.mediaType, 'application/vnd.proofline.key-history.v1+json');
    assert.deepEqual(
      history.retiredKeys.map(({ verifierKey, start, end }) => ({ verifierKey, start, end })),
      [{ verifierKey: oldKey, start: 0, end: 25 }],
    );
    const h = parseKeyHandoverText(parseNote(history.retiredKeys[0]!.handover).text);
    assert.deepEqual([h.retired, h.successor], [oldKey, newKey]);
    const manifest = JSON.parse(files.get(FILES.manifest)!.toString()) as Record<string, unknown>;
    assert.deepEqual(manifest.keyHistory, { handovers: 1 });
    assert.equal(manifest.logKey, newKey);
    assert.match(files.get(FILES.sums)!.toString(), / {2}key-history\.json\n/);
    assert.match(files.get(FILES.readme)!.toString(), /The log retired a key: key-history\.json/);
    // The same history the bundles' own verifier takes: proofline verify --key-history.
    const out = join(dir, 'unzipped');
    for (const [name, data] of files) {
      mkdirSync(dirname(join(out, name)), { recursive: true });
      writeFileSync(join(out, name), data);
    }
    for (const key of [newKey, oldKey]) {
      const r = runProofline([
        ...['verify', join(out, 'bundles/default-3.json'), '--log-key', key],
        ...['--key-history', join(out, FILES.keyHistory)],
      ]);
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
  });

  it('verify-evidence passes with the new key as the only anchor, and the verdict lists the chain', async () => {
    const r = runProofline(['verify-evidence', pkg, '--log-key', newKey]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^VERIFIED /m);
    const [, retiredId] = oldKey.split('+');
    const [, newId] = newKey.split('+');
    assert.match(
      r.stdout,
      new RegExp(
        `PASS {2}key-history .*${ORIGIN}\\+${retiredId} sealed entries \\[0, 25\\), retired by handover 1 of key-history\\.json.*${ORIGIN}\\+${newId} \\(the key you trust\\) sealed entries 25 on`,
      ),
    );
    assert.match(r.stdout, /PASS {2}bundle default-0 /);
    assert.match(r.stdout, /PASS {2}bundle default-29 /);
    const v = await verifyEvidence(pkg, { logKey: newKey });
    assert.equal(v.complete, true, JSON.stringify(failed(v)));
    assert.deepEqual(
      v.keyChain?.map(({ verifierKey, start, end, pinned }) => ({
        verifierKey,
        start,
        end,
        pinned,
      })),
      [
        { verifierKey: oldKey, start: 0, end: 25, pinned: false },
        { verifierKey: newKey, start: 25, end: Infinity, pinned: true },
      ],
    );
  });

  it('passes pinned to the retired key too (the chain vouches for the package key)', async () => {
    const v = await verifyEvidence(pkg, { logKey: oldKey });
    assert.equal(v.complete, true, JSON.stringify(failed(v)));
    const logKey = v.items.find((i) => i.name === 'log-key')!;
    assert.match(logKey.detail, /is in the log's key chain that the key you trust .* vouches for/);
  });

  it('without its key history, a record sealed by the retired key fails, named, with KEY_HISTORY_MISSING', async () => {
    // The history member and its SHA256SUMS line removed; manifest.json still lists it.
    const removed = await forge(pkg, join(dir, 'removed.zip'), (f) => f.delete(FILES.keyHistory));
    const v = await verifyEvidence(removed, { logKey: newKey });
    assert.equal(v.ok, false);
    assert.deepEqual(codes(v), ['KEY_HISTORY_MISSING']);
    const record = failed(v).find((i) => i.name === 'bundle default-0')!;
    assert.equal(record.code, 'KEY_HISTORY_MISSING');
    assert.match(
      record.detail,
      /record default-0 \(index 0\): its receipt is sealed by another key/,
    );
    // A manifest that claims no history either: the records still fail, by name.
    const unlisted = await forge(pkg, join(dir, 'unlisted.zip'), (f) => {
      f.delete(FILES.keyHistory);
      const m = JSON.parse(f.get(FILES.manifest)!.toString()) as Record<string, unknown>;
      delete m.keyHistory;
      f.set(FILES.manifest, Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
    });
    const u = await verifyEvidence(unlisted, { logKey: newKey });
    assert.equal(u.ok, false);
    assert.deepEqual(codes(u), ['KEY_HISTORY_MISSING']);
    const names = failed(u)
      .filter((i) => i.code === 'KEY_HISTORY_MISSING')
      .map((i) => i.name);
    assert.equal(names.length, 25, names.join());
    assert.ok(names.includes('bundle default-24') && !names.includes('bundle default-25'));
    const cli = runProofline(['verify-evidence', unlisted, '--log-key', newKey]);
    assert.equal(cli.status, 1);
    assert.match(cli.stdout, /FAIL {2}bundle default-0 .*\[KEY_HISTORY_MISSING\]/);
  });

  it('an edited, reordered, truncated or extended history fails with INVALID_KEY_HISTORY', async () => {
    const history = JSON.parse(
      (await members(pkg)).get(FILES.keyHistory)!.toString(),
    ) as HistoryJson;
    const note = history.retiredKeys[0]!.handover;
    // A second, genuine-looking handover (new key → a third key, signed by both): only the
    // keys' owner can make one; we hold neither private key, so we sign with fresh keys and
    // splice only its text where the attack needs a second note.
    const third = parseSignerKey(generateSignerKey(ORIGIN));
    const thirdKey = formatVerifierKey(ORIGIN, third.publicKey);
    const attacks: [string, (h: HistoryJson) => void][] = [
      [
        'one byte of the handover edited',
        (h) => {
          const i = note.indexOf('\n\n') - 3;
          const flipped = note[i] === 'A' ? 'B' : 'A';
          h.retiredKeys[0]!.handover = note.slice(0, i) + flipped + note.slice(i + 1);
        },
      ],
      [
        'the range extended past the signed handover',
        (h) => {
          h.retiredKeys[0]!.handover = note.replace('range 0 25', 'range 0 30');
          h.retiredKeys[0]!.end = 30;
        },
      ],
      [
        'the handover repeated (a note out of its place)',
        (h) => {
          h.retiredKeys.unshift({ ...h.retiredKeys[0]!, start: 0 });
        },
      ],
    ];
    for (const [what, edit] of attacks) {
      const forged = await forge(pkg, join(dir, `${what.replace(/\W+/g, '-')}.zip`), (f) =>
        editHistory(f, edit),
      );
      const v = await verifyEvidence(forged, { logKey: newKey });
      assert.equal(v.ok, false, what);
      const item = v.items.find((i) => i.name === 'key-history')!;
      assert.equal(item.status, 'fail', what);
      assert.equal(item.code, 'INVALID_KEY_HISTORY', `${what}: ${item.detail}`);
      assert.equal(v.keyChain, undefined, what);
      // Nothing sealed by the retired key verifies without a verified history.
      assert.equal(v.items.find((i) => i.name === 'bundle default-0')!.status, 'fail', what);
    }
    // Two genuine-format handovers in the wrong order: the first no longer starts at 0.
    const old = parseSignerKey(generateSignerKey(ORIGIN));
    const mid = parseSignerKey(generateSignerKey(ORIGIN));
    const vk = (k: typeof old) => formatVerifierKey(ORIGIN, k.publicKey);
    const signer = (k: typeof old) => ed25519Signer(ORIGIN, k.seed);
    const root = new Uint8Array(32);
    const h1 = await signKeyHandover(
      { origin: ORIGIN, retired: vk(old), successor: vk(mid), start: 0, end: 10, rootHash: root },
      signer(old),
      signer(mid),
    );
    const h2 = await signKeyHandover(
      { origin: ORIGIN, retired: vk(mid), successor: thirdKey, start: 10, end: 20, rootHash: root },
      signer(mid),
      ed25519Signer(ORIGIN, third.seed),
    );
    const entry = (n: string) => {
      const h = parseKeyHandoverText(parseNote(n).text);
      return { verifierKey: h.retired, start: h.start, end: h.end, handover: n };
    };
    const swapped = await forge(pkg, join(dir, 'swapped.zip'), (f) =>
      editHistory(f, (h) => {
        h.retiredKeys = [entry(h2), entry(h1)];
      }),
    );
    const s = await verifyEvidence(swapped, { logKey: thirdKey });
    const item = s.items.find((i) => i.name === 'key-history')!;
    assert.equal(item.code, 'INVALID_KEY_HISTORY', item.detail);
    assert.match(item.detail, /handover 0 starts at 10, not at 0/);
    // In order, the same two notes form a chain, but of unrelated keys (below).
    const unrelated = await forge(pkg, join(dir, 'unrelated.zip'), (f) =>
      editHistory(f, (h) => {
        h.retiredKeys = [entry(h1), entry(h2)];
      }),
    );
    const u = await verifyEvidence(unrelated, { logKey: newKey });
    const untrusted = u.items.find((i) => i.name === 'key-history')!;
    assert.equal(untrusted.code, 'KEY_HISTORY_UNTRUSTED', untrusted.detail);
    assert.match(untrusted.detail, /does not name the log key/);
    assert.equal(u.items.find((i) => i.name === 'bundle default-0')!.code, 'KEY_HISTORY_MISSING');
    // Truncated to its first note: it no longer reaches the key you trust.
    const truncated = await forge(pkg, join(dir, 'truncated.zip'), (f) =>
      editHistory(f, (h) => {
        h.retiredKeys = [entry(h1)];
      }),
    );
    const t = await verifyEvidence(truncated, { logKey: thirdKey });
    assert.equal(t.items.find((i) => i.name === 'key-history')!.code, 'KEY_HISTORY_UNTRUSTED');
  });

  it('a copy of a range that disagrees with its signed note, or an unlisted history, is malformed', async () => {
    const moved = await forge(pkg, join(dir, 'moved.zip'), (f) =>
      editHistory(f, (h) => {
        h.retiredKeys[0]!.end = 30;
      }),
    );
    const v = await verifyEvidence(moved, { logKey: newKey });
    const item = v.items.find((i) => i.name === 'key-history')!;
    assert.equal(item.code, 'KEY_HISTORY_MALFORMED', item.detail);
    const unlisted = await forge(pkg, join(dir, 'history-unlisted.zip'), (f) => {
      const m = JSON.parse(f.get(FILES.manifest)!.toString()) as Record<string, unknown>;
      delete m.keyHistory;
      f.set(FILES.manifest, Buffer.from(`${JSON.stringify(m, null, 2)}\n`));
    });
    const u = await verifyEvidence(unlisted, { logKey: newKey });
    assert.equal(u.ok, false);
    assert.ok(codes(u).includes('KEY_HISTORY_MALFORMED'), JSON.stringify(failed(u)));
  });

  it("a checkpoint the retired key (its file is kept) signs beyond its handover's range fails", async () => {
    const files = await members(pkg);
    const proof = parseProof(
      parseJsonText(files.get(FILES.proof)!.toString(), 1 << 20, 'population/proof.json'),
    );
    const history = JSON.parse(files.get(FILES.keyHistory)!.toString()) as HistoryJson;
    const chain = await verifyKeyChain(
      newKey,
      history.retiredKeys.map((r) => r.handover),
    );
    const keyFile = readdirSync(join(dir, 'keys')).find((f) => f.startsWith('default.retired-'))!;
    const retired = parseSignerKey(readFileSync(join(dir, 'keys', keyFile), 'utf8').trim());
    assert.equal(formatVerifierKey(ORIGIN, retired.publicKey), oldKey);
    // The end checkpoint (size 32) signed again by the retired key alone.
    const text = parseNote(proof.endCheckpoint.note).text;
    const forged = await signNote(text, [ed25519Signer(ORIGIN, retired.seed)]);
    const honest = await checkProofCheckpoints(proof, parseVerifierKey(newKey), chain);
    assert.equal(honest.items.find((i) => i.name === 'end-checkpoint')!.status, 'pass');
    const { items } = await checkProofCheckpoints(
      { ...proof, endCheckpoint: { ...proof.endCheckpoint, note: forged } },
      parseVerifierKey(newKey),
      chain,
    );
    const end = items.find((i) => i.name === 'end-checkpoint')!;
    assert.equal(end.status, 'fail');
    // The retired key is in the chain, but only for trees of up to 25 entries.
    assert.match(end.detail, /^not signed by any key of the verified key history within its range/);
    assert.ok(
      end.detail.includes(`(signed by ${oldKey.split('+').slice(0, 2).join('+')})`),
      end.detail,
    );
    // Within its range the same key's signature opens: the tree of 25 entries it handed over.
    const h = parseKeyHandoverText(parseNote(history.retiredKeys[0]!.handover).text);
    const at25 = await signNote(`${ORIGIN}\n25\n${base64Encode(h.rootHash)}\n`, [
      ed25519Signer(ORIGIN, retired.seed),
    ]);
    const opened = await openChainCheckpoint(at25, ORIGIN, chain);
    assert.ok(!('error' in opened), JSON.stringify(opened));
    assert.equal(opened.key.verifierKey, oldKey);
  });

  it('the browser page verifies the rotated package with the new key pasted', async () => {
    const folder = join(dir, 'unzipped');
    browser = await launchChromium();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(pathToFileURL(join(folder, FILES.page)).href);
      await page.fill('#log-key', newKey);
      await page.setInputFiles('#folder', folder);
      await page.waitForSelector(
        'body[data-verification="passed"], body[data-verification="failed"]',
        { timeout: 60_000 },
      );
      const statuses = Object.fromEntries(
        await page.$$eval('li[data-item]', (items) =>
          items.map((li) => [li.getAttribute('data-item'), li.getAttribute('data-status')]),
        ),
      );
      assert.equal(
        await page.getAttribute('body', 'data-verification'),
        'passed',
        JSON.stringify(statuses),
      );
      assert.equal(statuses['key-history'], 'pass');
      assert.equal(statuses['bundle default-0'], 'pass');
      assert.match(
        (await page.textContent('#key-source'))!,
        /through the log's key history, .* against the 2 keys of its chain/,
      );
      assert.deepEqual(problems, []);
      // The same folder without its history (a forger's edit): the page fails it.
      writeFileSync(
        join(folder, FILES.keyHistory),
        readFileSync(join(folder, FILES.keyHistory), 'utf8').replace('range 0 25', 'range 0 30'),
      );
      await page.reload();
      await page.fill('#log-key', newKey);
      await page.setInputFiles('#folder', folder);
      await page.waitForSelector('body[data-verification="failed"]', { timeout: 60_000 });
    } finally {
      await context.close();
    }
  });
});
