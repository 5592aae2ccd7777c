import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  MAX_REQUEST_SIZE,
  WitnessError,
  formatAddCheckpoint,
  parseAddCheckpoint,
  parseSizeBody,
} from '../src/index.js';

const NOTE =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

/** The spec's example request body (c2sp.org/tlog-witness §add-checkpoint). */
const SPEC_EXAMPLE =
  'old 20852014\n' +
  'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n' +
  'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n' +
  '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n' +
  '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n' +
  '\n' +
  NOTE;

const hash = (b: number) => new Uint8Array(32).fill(b);

describe('add-checkpoint request body', () => {
  test("parses the spec's example and formats it back byte for byte", () => {
    const request = parseAddCheckpoint(new TextEncoder().encode(SPEC_EXAMPLE));
    assert.equal(request.oldSize, 20852014);
    assert.equal(request.proof.length, 4);
    assert.equal(request.checkpoint, NOTE);
    assert.equal(formatAddCheckpoint(request), SPEC_EXAMPLE);
  });

  test('old size 0 with no proof lines, and the maximum of 63 proof lines', () => {
    assert.deepEqual(parseAddCheckpoint(`old 0\n\n${NOTE}`).proof, []);
    const proof = Array.from({ length: 63 }, (_, i) => hash(i));
    const body = formatAddCheckpoint({ oldSize: 5, proof, checkpoint: NOTE });
    assert.deepEqual(parseAddCheckpoint(body).proof, proof);
  });

  test('malformed bodies are refused', () => {
    const b64 = Buffer.from(hash(1)).toString('base64');
    const cases: [string, string | Uint8Array][] = [
      ['empty', ''],
      ['no newline', 'old 0'],
      ['not old', `new 0\n\n${NOTE}`],
      ['leading zero', `old 01\n\n${NOTE}`],
      ['negative', `old -1\n\n${NOTE}`],
      ['two spaces', `old  1\n\n${NOTE}`],
      ['too large for a safe integer', `old 9007199254740993\n\n${NOTE}`],
      ['CRLF', `old 0\r\n\r\n${NOTE}`],
      ['no empty line', `old 1\n${b64}\n${NOTE}`],
      ['no checkpoint', `old 1\n${b64}\n\n`],
      ['short hash', `old 1\n${Buffer.from(new Uint8Array(31)).toString('base64')}\n\n${NOTE}`],
      ['long hash', `old 1\n${Buffer.from(new Uint8Array(33)).toString('base64')}\n\n${NOTE}`],
      ['url-safe base64', `old 1\n${'_'.repeat(43)}=\n\n${NOTE}`],
      ['non-canonical base64', `old 1\n${b64.slice(0, 42)}B=\n\n${NOTE}`],
      ['hash with spaces', `old 1\n ${b64}\n\n${NOTE}`],
      ['64 proof lines', `old 1\n${`${b64}\n`.repeat(64)}\n${NOTE}`],
      ['invalid UTF-8', Uint8Array.from([...Buffer.from('old 0\n\n'), 0xff, 0x0a])],
      ['too large', 'old 0\n\n' + 'x'.repeat(MAX_REQUEST_SIZE)],
    ];
    for (const [name, body] of cases) {
      assert.throws(
        () => parseAddCheckpoint(body),
        (e: WitnessError) => e instanceof WitnessError && e.code === 'MALFORMED_REQUEST',
        name,
      );
    }
  });

  test('the 409 body is "<size>\\n" and nothing else', () => {
    assert.equal(parseSizeBody('0\n'), 0);
    assert.equal(parseSizeBody('20852163\n'), 20852163);
    for (const bad of ['', '5', '05\n', '5\n\n', ' 5\n', '-1\n', '1e3\n']) {
      assert.throws(() => parseSizeBody(bad), WitnessError, JSON.stringify(bad));
    }
  });
});
