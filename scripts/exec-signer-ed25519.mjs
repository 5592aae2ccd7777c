#!/usr/bin/env node
/* global process, console, Buffer */
/**
 * Reference external signer for `proofline … --log-signer LOG=exec:PROGRAM` (docs/keys.md,
 * "External signer"): holds one Ed25519 key, read from a Proofline key file
 * (`PRIVATE+KEY+<name>+<hash>+<base64>`, as `<keys>/<log>.key`), and answers Proofline's
 * line protocol on stdin/stdout:
 *
 *   → public-key                      ← public-key <base64 32-byte public key>
 *   → sign <id> <base64 message>      ← signature <id> <base64 64-byte signature>
 *                                     ← error <id> <reason>
 *
 *   exec-signer-ed25519.mjs KEY_FILE
 *
 * A real deployment replaces the signing below with a call to its KMS (e.g. an Ed25519 key
 * whose Sign API returns the raw 64-byte signature); the protocol handling stays as is. It
 * exits when stdin closes (Proofline stopped). Node built-ins only.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const keyFile = process.argv[2];
if (!keyFile) {
  console.error('usage: exec-signer-ed25519.mjs KEY_FILE');
  process.exit(2);
}
// The base64 may hold '+': split off the name and key hash only.
const fields = /^PRIVATE\+KEY\+[^+]+\+[0-9a-f]{8}\+([A-Za-z0-9+/=]+)$/.exec(
  readFileSync(keyFile, 'utf8').trim(),
);
const data = Buffer.from(fields?.[1] ?? '', 'base64');
if (data.length !== 33 || data[0] !== 1) {
  console.error(`${keyFile}: not a Proofline Ed25519 key file`);
  process.exit(2);
}
// PKCS #8 DER of an Ed25519 seed (RFC 8410).
const pkcs8 = Buffer.concat([
  Buffer.from('302e020100300506032b657004220420', 'hex'),
  data.subarray(1),
]);
const privateKey = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
const publicKey = spki.subarray(spki.length - 32).toString('base64');

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (line === 'public-key') {
    process.stdout.write(`public-key ${publicKey}\n`);
    return;
  }
  const m = /^sign ([1-9][0-9]{0,14}) ([A-Za-z0-9+/]*={0,2})$/.exec(line);
  if (!m) {
    console.error(`exec-signer: ignoring a line not of the protocol (${line.length} bytes)`);
    return;
  }
  const message = Buffer.from(m[2], 'base64');
  if (message.length === 0 || message.toString('base64') !== m[2]) {
    process.stdout.write(`error ${m[1]} malformed message\n`);
    return;
  }
  process.stdout.write(`signature ${m[1]} ${sign(null, message, privateKey).toString('base64')}\n`);
});
lines.on('close', () => process.exit(0));
