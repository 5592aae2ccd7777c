/**
 * Test support, for the packages whose tests need a real time-stamping authority: a throwaway
 * PKI and a local RFC 3161 TSA over HTTP driven by `openssl ts -reply` (loopback only). Node
 * only; exported as `@proofline/timestamp/testing`, never imported by the library itself.
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const OPENSSL = '/usr/bin/openssl';
const execFileAsync = promisify(execFile);

function openssl(args: string[]): Buffer {
  const r = spawnSync(OPENSSL, args, { maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout;
}

export function opensslSupportsTs(): boolean {
  const r = spawnSync(OPENSSL, ['ts', '-help'], { encoding: 'utf8' });
  return r.error === undefined && /-reply/.test(`${r.stdout}${r.stderr}`);
}

/** A root CA and a TSA certificate it issued, and `openssl ts -reply` with them. */
export class LocalTsa {
  readonly dir = mkdtempSync(join(tmpdir(), 'proofline-tsa-'));
  /** DER of the root certificate. */
  readonly rootDer: Uint8Array;
  /** PEM file of the root certificate. */
  readonly rootPem: string;
  private readonly config: string;
  private n = 0;

  constructor(name = 'Test') {
    const p = (f: string) => join(this.dir, f);
    const key = (f: string) =>
      openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', p(f)]);
    key('root.key');
    key('tsa.key');
    writeFileSync(
      p('root.cnf'),
      '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = x\n[ext]\n' +
        'basicConstraints = critical, CA:TRUE\nkeyUsage = critical, keyCertSign, cRLSign\n' +
        'subjectKeyIdentifier = hash\n',
    );
    openssl([
      'req', '-x509', '-new', '-key', p('root.key'), '-subj', `/O=Proofline Test/CN=${name} Root`,
      '-days', '3650', '-sha256', '-config', p('root.cnf'), '-extensions', 'ext', '-out', p('root.pem'),
    ]); // prettier-ignore
    writeFileSync(
      p('tsa.cnf'),
      '[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = x\n[ext]\n' +
        'basicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature, nonRepudiation\n' +
        'extendedKeyUsage = critical, timeStamping\nsubjectKeyIdentifier = hash\n' +
        'authorityKeyIdentifier = keyid\n',
    );
    openssl([
      'req', '-new', '-key', p('tsa.key'), '-subj', `/O=Proofline Test/CN=${name} TSA`,
      '-config', p('tsa.cnf'), '-out', p('tsa.csr'),
    ]); // prettier-ignore
    openssl([
      'x509', '-req', '-in', p('tsa.csr'), '-CA', p('root.pem'), '-CAkey', p('root.key'),
      '-set_serial', '4097', '-days', '365', '-sha256', '-extfile', p('tsa.cnf'),
      '-extensions', 'ext', '-out', p('tsa.pem'),
    ]); // prettier-ignore
    writeFileSync(p('serial'), '01\n');
    this.config = p('ts.cnf');
    writeFileSync(
      this.config,
      [
        '[tsa]',
        'default_tsa = c',
        '[c]',
        `serial = ${p('serial')}`,
        'crypto_device = builtin',
        `signer_cert = ${p('tsa.pem')}`,
        `signer_key = ${p('tsa.key')}`,
        'signer_digest = sha256',
        'default_policy = 1.2.3.4.1',
        'digests = sha256, sha384, sha512',
        'accuracy = secs:1',
        'clock_precision_digits = 0',
        'ordering = yes',
        'tsa_name = yes',
        'ess_cert_id_chain = no',
        'ess_cert_id_alg = sha256',
        '',
      ].join('\n'),
    );
    this.rootPem = p('root.pem');
    this.rootDer = new Uint8Array(openssl(['x509', '-in', this.rootPem, '-outform', 'DER']));
  }

  /** The DER TimeStampResp for a DER TimeStampReq. */
  async reply(query: Uint8Array): Promise<Uint8Array> {
    const n = this.n++;
    const q = join(this.dir, `${n}.tsq`);
    const r = join(this.dir, `${n}.tsr`);
    writeFileSync(q, query);
    await execFileAsync(OPENSSL, [
      'ts',
      '-reply',
      '-config',
      this.config,
      '-queryfile',
      q,
      '-out',
      r,
    ]);
    return new Uint8Array(readFileSync(r));
  }

  /** A TimeStampToken (DER) over `data`, via `openssl ts -query` and `-reply -token_out`. */
  token(data: Uint8Array): Uint8Array {
    const n = this.n++;
    const d = join(this.dir, `${n}.dat`);
    const q = join(this.dir, `${n}.tsq`);
    const t = join(this.dir, `${n}.tok`);
    writeFileSync(d, data);
    openssl(['ts', '-query', '-data', d, '-sha256', '-cert', '-out', q]);
    openssl(['ts', '-reply', '-config', this.config, '-queryfile', q, '-token_out', '-out', t]);
    return new Uint8Array(readFileSync(t));
  }

  /** Serves RFC 3161 over HTTP on 127.0.0.1:0; `fail` makes it answer 503. */
  async serve(
    options: { fail?: () => boolean } = {},
  ): Promise<{ url: string; server: Server; requests: () => number }> {
    let requests = 0;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests++;
        if (options.fail?.()) {
          res.statusCode = 503;
          res.end();
          return;
        }
        this.reply(new Uint8Array(Buffer.concat(chunks))).then(
          (reply) => {
            res.setHeader('content-type', 'application/timestamp-reply');
            res.end(reply);
          },
          (e: unknown) => {
            res.statusCode = 500;
            res.end(String(e));
          },
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsr`;
    return { url, server, requests: () => requests };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
