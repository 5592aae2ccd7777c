import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  OUTPUT_SALT_SIZE,
  SALTED_DIGEST_CONTEXT,
  commitment,
  formatSalt,
  isDigest,
  parseSalt,
  saltedDigest,
  saltedDigestPrefix,
} from '../src/index.js';
import { assertRecordError, utf8 } from './helpers.js';

const SALT = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

describe('salted output digests', () => {
  it('hash the context line, the salt and the content, in that order', () => {
    for (const algorithm of ['sha256', 'sha384', 'sha512'] as const) {
      for (const content of [new Uint8Array(0), utf8('{"decision":"deny"}')]) {
        const expected = createHash(algorithm)
          .update('proofline.dev/salted-digest/v1\n')
          .update(SALT)
          .update(content)
          .digest('hex');
        const digest = saltedDigest(SALT, content, algorithm);
        assert.equal(digest, `${algorithm}:${expected}`);
        assert.ok(isDigest(digest));
      }
    }
    assert.equal(SALTED_DIGEST_CONTEXT, 'proofline.dev/salted-digest/v1\n');
    assert.deepEqual(saltedDigestPrefix(SALT).subarray(-32), SALT);
  });

  it('differ from the plain digest, from another salt, and from a commitment', () => {
    const content = utf8('{"decision":"deny"}');
    const plain = `sha256:${createHash('sha256').update(content).digest('hex')}`;
    const other = SALT.map((b) => b ^ 1);
    const salted = saltedDigest(SALT, content);
    assert.notEqual(salted, plain);
    assert.notEqual(salted, saltedDigest(other, content));
    assert.notEqual(salted, commitment(SALT, '{"decision":"deny"}'));
  });

  it('take exactly 32-byte salts, stored as 64 lowercase hex digits', () => {
    assert.equal(OUTPUT_SALT_SIZE, 32);
    const text = formatSalt(SALT);
    assert.equal(text, Buffer.from(SALT).toString('hex'));
    assert.deepEqual(parseSalt(text), SALT);
    for (const bad of [
      '',
      text.toUpperCase(),
      text.slice(2),
      `${text}00`,
      `${text.slice(2)}zz`,
      ` ${text.slice(1)}`,
    ]) {
      assertRecordError(() => parseSalt(bad), 'INVALID_ARGUMENT', '/salt');
    }
    for (const salt of [new Uint8Array(16), new Uint8Array(31), new Uint8Array(33)]) {
      assertRecordError(() => saltedDigest(salt, utf8('x')), 'INVALID_ARGUMENT');
      assertRecordError(() => formatSalt(salt), 'INVALID_ARGUMENT');
    }
    assertRecordError(() => saltedDigest(SALT, utf8('x'), 'md5' as 'sha256'), 'INVALID_ARGUMENT');
  });
});
