import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openCheckpoint } from '@proofline/note';
import { leafHash, verifyInclusion } from '@proofline/tlog';
import {
  MAX_PROOF_HASHES,
  MAX_TLOG_PROOF_SIZE,
  RecordError,
  bundleToTlogProof,
  formatBundle,
  formatTlogProof,
  parseBundle,
  parseRecord,
  parseTlogProof,
  type TlogProof,
} from '../src/index.js';
import { ORIGIN, logKey, makeBundle } from './fixtures.js';
import { assertRecordError, prng } from './helpers.js';

/** The example of c2sp.org/tlog-proof (signatures abbreviated with [...] in the spec). */
const SPEC_EXAMPLE = `c2sp.org/tlog-proof@v1
extra YWdlLXYxLjIuMS1kYXJ3aW4tYXJtNjQudGFyLmd6kYXJ3aW4tYXJ
index 73894
gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=
B95lDa8R83lS8n0eG+o0buTxRKQTYFi//1U8anccXmA=
EKNzoDWG8LGC0Yp9o+sv3qllpMP9uHQ9B20KNL+Q1zs=
RoopEkOdqkYqMB4MJXrbt/hMjOxsVn0IrWjpz1ZMMes=
AHCioX9nLjsrse6YhjRRmk1WUEirVOLLRoOQ6vfO5vk=

example.com/fancylog
109482
sFodV/vSp5O8n9a8QpW6PRY97tfOSW5bsc2Xl/EQi08=

— example.com/fancylog hI2DJw[...]1roloI=
— witness1.example mJirIklj[...]qY9v2B/5bg==
— witness2.example TnKKVHLX[...]xwYwrSjgow==
— witness3.example S4X82uH5[...]3oEcROGLFQ==
`;

const bundle = await makeBundle(21, 17);
const proof = bundleToTlogProof(bundle);
const text = formatTlogProof(proof);
const HASH = Buffer.alloc(32, 5).toString('base64');
const CHECKPOINT = bundle.checkpoint;
const header = (lines: string): string => `c2sp.org/tlog-proof@v1\n${lines}\n${CHECKPOINT}`;

describe('tlog-proof', () => {
  it('parses the spec example (structurally)', () => {
    const p = parseTlogProof(SPEC_EXAMPLE);
    assert.equal(p.index, 73894);
    assert.equal(
      Buffer.from(p.extra ?? [])
        .toString('latin1')
        .slice(0, 30),
      'age-v1.2.1-darwin-arm64.tar.gz',
    );
    assert.equal(p.inclusionProof.length, 5);
    assert.equal(
      Buffer.from(p.inclusionProof[0]!).toString('base64'),
      'gSKyXoYZUgZ6jduWYrkDOARinOMGJveXjgMkBTcdPlQ=',
    );
    assert.ok(p.checkpoint.startsWith('example.com/fancylog\n109482\n'));
    assert.equal(formatTlogProof(p), SPEC_EXAMPLE);
  });

  it('converts a bundle, with the entry as extra, and round-trips', () => {
    assert.deepEqual(proof.extra, bundle.entry);
    assert.equal(proof.index, 17);
    assert.ok(
      text.startsWith(
        `c2sp.org/tlog-proof@v1\nextra ${Buffer.from(bundle.entry).toString('base64')}\nindex 17\n`,
      ),
    );
    assert.ok(text.endsWith(`\n\n${bundle.checkpoint}`));
    assert.deepEqual(parseTlogProof(text), proof);
    assert.equal(formatTlogProof(parseTlogProof(text)), text);
    assert.deepEqual(bundleToTlogProof(parseBundle(formatBundle(bundle))), proof);
  });

  it('is self-contained and verifiable offline', async () => {
    const p = parseTlogProof(text);
    const { checkpoint } = await openCheckpoint(p.checkpoint, ORIGIN, logKey.verifier);
    const entry = p.extra ?? new Uint8Array(0);
    verifyInclusion(
      leafHash(entry),
      p.index,
      checkpoint.size,
      p.inclusionProof,
      checkpoint.rootHash,
    );
    assert.equal(parseRecord(entry).labels?.n, '17');
  });

  it('round-trips without extra, with empty extra, and with 0 or 63 hashes', () => {
    const cases: TlogProof[] = [
      { index: 0, inclusionProof: [], checkpoint: CHECKPOINT },
      { extra: new Uint8Array(0), index: 1, inclusionProof: [], checkpoint: CHECKPOINT },
      {
        index: Number.MAX_SAFE_INTEGER,
        inclusionProof: Array(MAX_PROOF_HASHES).fill(new Uint8Array(32).fill(9)),
        checkpoint: CHECKPOINT,
      },
    ];
    for (const p of cases) {
      const t = formatTlogProof(p);
      assert.deepEqual(parseTlogProof(t), p);
      assert.equal(formatTlogProof(parseTlogProof(t)), t);
    }
    assert.equal(formatTlogProof(cases[0]!), `c2sp.org/tlog-proof@v1\nindex 0\n\n${CHECKPOINT}`);
    assert.equal(
      formatTlogProof(cases[1]!),
      `c2sp.org/tlog-proof@v1\nextra \nindex 1\n\n${CHECKPOINT}`,
    );
  });

  it('rejects hostile texts', () => {
    const cases: [string, string | undefined][] = [
      ['', undefined],
      [text.replaceAll('\n', '\r\n'), undefined],
      [text.replace('\n', '\r\n'), undefined],
      [text.replace('tlog-proof@v1', 'tlog-proof@v2'), undefined],
      [text.replace('\n\n', '\n'), undefined],
      [text.slice(0, text.indexOf('\n\n') + 1), undefined],
      [header(`index 5\n${HASH}\n`).replace('\n\n', '\n\n\n'), '/checkpoint'],
      [header('index 05\n'), '/index'],
      [header('index -1\n'), '/index'],
      [header('index +1\n'), '/index'],
      [header('index 1.0\n'), '/index'],
      [header('index 9007199254740992\n'), '/index'],
      [header('index  5\n'), '/index'],
      [header('index 5 \n'), '/index'],
      [header('index\n'), '/index'],
      [header('Index 5\n'), '/index'],
      [header(''), '/index'],
      [header(`${HASH}\n`), '/index'],
      [header('extra AAAA\nextra AAAA\nindex 5\n'), '/index'],
      [header('index 5\nextra AAAA\n'), '/inclusionProof/0'],
      [header('extra AAA\nindex 5\n'), '/extra'],
      [header('extra AB==\nindex 5\n'), '/extra'],
      [header('extra AAAA \nindex 5\n'), '/extra'],
      [header('extra  AAAA\nindex 5\n'), '/extra'],
      [header(`index 5\n${HASH}\n${HASH.slice(0, -1)}\n`), '/inclusionProof/1'],
      [header(`index 5\n${HASH} \n`), '/inclusionProof/0'],
      [header(`index 5\n${HASH}\r\n`), '/inclusionProof/0'],
      [header(`index 5\n${Buffer.alloc(31).toString('base64')}\n`), '/inclusionProof/0'],
      [header(`index 5\n${Buffer.alloc(33).toString('base64')}\n`), '/inclusionProof/0'],
      [header(`index 5\n${Buffer.alloc(32, 0xfe).toString('base64url')}=\n`), '/inclusionProof/0'],
      [header(`index 5\n${`${HASH}\n`.repeat(64)}`), '/inclusionProof'],
      [header(`index 5\n${`${HASH}\n`.repeat(5000)}`), '/inclusionProof'],
      [header('index 5\n').replace(/\n$/, ''), '/checkpoint'],
      [`${header('index 5\n')}\r\n`.replace(/\n\r\n$/, '\r\n'), '/checkpoint'],
      ['c2sp.org/tlog-proof@v1\nindex 5\n\n', '/checkpoint'],
      ['c2sp.org/tlog-proof@v1\nindex 5\n\nexample.com/log\n1\nroot\n', '/checkpoint'],
      [`c2sp.org/tlog-proof@v1\nindex 5\n\n${CHECKPOINT.replace('\n', '\u0000\n')}`, '/checkpoint'],
      [`c2sp.org/tlog-proof@v1\nindex 5\n\n${CHECKPOINT.replace('\n', '\ud800\n')}`, '/checkpoint'],
      [
        `c2sp.org/tlog-proof@v1\nindex 5\n\n${'x'.repeat(70_000)}\n\n\u2014 x AAAA\n`,
        '/checkpoint',
      ],
      [text + ' '.repeat(MAX_TLOG_PROOF_SIZE), undefined],
      ['\n\n'.repeat(200_000), undefined],
    ];
    for (const [t, field] of cases) {
      assertRecordError(
        () => parseTlogProof(t),
        'INVALID_TLOG_PROOF',
        field,
        JSON.stringify(t.slice(0, 120)),
      );
    }
    for (const value of [null, undefined, 42, new Uint8Array(3), proof]) {
      assertRecordError(() => parseTlogProof(value as unknown as string), 'INVALID_TLOG_PROOF');
    }
  });

  it('formatTlogProof rejects proofs it could not parse back', () => {
    const bad: Partial<Record<keyof TlogProof, unknown>>[] = [
      { extra: 'entry' },
      { extra: null },
      { index: -1 },
      { index: '1' },
      { inclusionProof: [new Uint8Array(33)] },
      { inclusionProof: Array(64).fill(new Uint8Array(32)) },
      { inclusionProof: null },
      { checkpoint: '' },
      { checkpoint: 'no blank line\n' },
      { checkpoint: CHECKPOINT.slice(0, -1) },
      { checkpoint: `\n${CHECKPOINT}` },
      { checkpoint: CHECKPOINT.replaceAll('\n', '\r\n') },
      { checkpoint: 7 },
      { extra: new Uint8Array(MAX_TLOG_PROOF_SIZE) },
    ];
    for (const changes of bad) {
      assertRecordError(
        () => formatTlogProof({ ...proof, ...changes } as TlogProof),
        'INVALID_ARGUMENT',
        undefined,
        JSON.stringify(changes).slice(0, 80),
      );
    }
  });

  it('survives random mutations: a RecordError, or a proof that round-trips', () => {
    const rand = prng(0x7106);
    const alphabet =
      'c2sp.org/tlog-proofextraindex 0123456789+/=AZaz\n\r\t \u2014\u00e9\ud800\u0000';
    let changed = 0;
    for (const source of [text, SPEC_EXAMPLE]) {
      for (let n = 0; n < 3000; n++) {
        const at = rand(source.length);
        const op = rand(3);
        const ch =
          rand(3) === 0 ? String.fromCharCode(rand(0x10000)) : alphabet[rand(alphabet.length)]!;
        const t =
          op === 0
            ? source.slice(0, at) + ch + source.slice(at + 1)
            : op === 1
              ? source.slice(0, at) + source.slice(at + 1)
              : source.slice(0, at) + ch + source.slice(at);
        let parsed: TlogProof;
        try {
          parsed = parseTlogProof(t);
        } catch (err) {
          assert.ok(err instanceof RecordError && err.code === 'INVALID_TLOG_PROOF', String(err));
          continue;
        }
        assert.equal(formatTlogProof(parsed), t, 'a parsed proof has exactly one text');
        if (t !== source) changed++;
      }
    }
    assert.ok(changed > 0, 'mutations of hashes and signature lines are still well-formed');
  });
});
