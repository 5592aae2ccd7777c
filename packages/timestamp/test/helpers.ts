/** A throwaway PKI and real RFC 3161 TSAs driven by `openssl ts -reply`, for the tests. */
import { spawnSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';

export const OPENSSL = '/usr/bin/openssl';
const execFileAsync = promisify(execFile);

/** Runs openssl, returning stdout; throws with stderr on failure. */
export function openssl(args: string[], input?: Uint8Array): Buffer {
  const r = spawnSync(OPENSSL, args, { input, maxBuffer: 16 << 20 });
  if (r.status !== 0) {
    throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr?.toString()}`);
  }
  return r.stdout;
}

export function opensslSupportsTs(): boolean {
  const r = spawnSync(OPENSSL, ['ts', '-help'], { encoding: 'utf8' });
  return r.error === undefined && /-reply/.test(`${r.stdout}${r.stderr}`);
}

export interface Issued {
  readonly name: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly der: Uint8Array;
}

export type KeyType = 'ec' | 'rsa';

export const TSA_EXTENSIONS = [
  'basicConstraints = CA:FALSE',
  'keyUsage = critical, digitalSignature, nonRepudiation',
  'extendedKeyUsage = critical, timeStamping',
  'subjectKeyIdentifier = hash',
  'authorityKeyIdentifier = keyid',
];

const CA_EXTENSIONS = [
  'basicConstraints = critical, CA:TRUE',
  'keyUsage = critical, keyCertSign, cRLSign',
  'subjectKeyIdentifier = hash',
];

export interface TsaOptions {
  readonly signerDigest?: string;
  readonly essCertIdAlg?: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** PEM files whose certificates the TSA adds to its tokens (certs = ...). */
  readonly chain?: readonly Issued[];
  readonly accuracy?: string;
  readonly tsaName?: boolean;
}

/** A directory with a throwaway PKI; `cleanup()` removes it. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'proofline-tsa-'));
  private serial = 0x1000;

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** A file-name stem unique in this PKI (two certificates may share a subject name). */
  private stem(name: string): string {
    return `${this.serial++}-${name.replace(/[^A-Za-z0-9-]/g, '_')}`;
  }

  private newKey(stem: string, type: KeyType): string {
    const keyPath = this.path(`${stem}.key`);
    if (type === 'ec') {
      openssl([
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-out',
        keyPath,
      ]);
    } else {
      openssl([
        'genpkey',
        '-algorithm',
        'RSA',
        '-pkeyopt',
        'rsa_keygen_bits:2048',
        '-out',
        keyPath,
      ]);
    }
    return keyPath;
  }

  private config(stem: string, name: string, extensions: readonly string[]): string {
    const cfg = this.path(`${stem}.cnf`);
    writeFileSync(
      cfg,
      [
        '[req]',
        'distinguished_name = dn',
        'prompt = no',
        '[dn]',
        `CN = ${name}`,
        '[ext]',
        ...extensions,
        '',
      ].join('\n'),
    );
    return cfg;
  }

  private finish(name: string, certPath: string, keyPath: string): Issued {
    const der = new Uint8Array(openssl(['x509', '-in', certPath, '-outform', 'DER']));
    return { name, certPath, keyPath, der };
  }

  /** A self-signed root CA. */
  root(name: string, type: KeyType = 'ec'): Issued {
    const stem = this.stem(name);
    const keyPath = this.newKey(stem, type);
    const cfg = this.config(stem, name, CA_EXTENSIONS);
    const certPath = this.path(`${stem}.pem`);
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      keyPath,
      '-subj',
      `/O=Proofline Test/CN=${name}`,
      '-days',
      '3650',
      '-sha256',
      '-config',
      cfg,
      '-extensions',
      'ext',
      '-out',
      certPath,
    ]);
    return this.finish(name, certPath, keyPath);
  }

  /** A certificate for a new key, issued by `issuer` with the given extension lines. */
  issue(
    name: string,
    issuer: Issued,
    extensions: readonly string[] = TSA_EXTENSIONS,
    options: { type?: KeyType; days?: number } = {},
  ): Issued {
    const stem = this.stem(name);
    const keyPath = this.newKey(stem, options.type ?? 'ec');
    const cfg = this.config(stem, name, extensions);
    const csr = this.path(`${stem}.csr`);
    openssl([
      'req',
      '-new',
      '-key',
      keyPath,
      '-subj',
      `/O=Proofline Test/CN=${name}`,
      '-config',
      cfg,
      '-out',
      csr,
    ]);
    const certPath = this.path(`${stem}.pem`);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      issuer.certPath,
      '-CAkey',
      issuer.keyPath,
      '-set_serial',
      String(this.serial++),
      '-days',
      String(options.days ?? 365),
      '-sha256',
      '-extfile',
      cfg,
      '-extensions',
      'ext',
      '-out',
      certPath,
    ]);
    return this.finish(name, certPath, keyPath);
  }

  /** An intermediate CA issued by `issuer`. */
  intermediate(name: string, issuer: Issued): Issued {
    return this.issue(name, issuer, CA_EXTENSIONS);
  }

  /** A TSA answering with `openssl ts -reply`, signing with `signer`. */
  tsa(signer: Issued, options: TsaOptions = {}): TestTsa {
    const name = `tsa-${this.stem(signer.name)}`;
    const serialPath = this.path(`${name}.serial`);
    writeFileSync(serialPath, '01\n');
    let certsLine = '';
    if (options.chain?.length) {
      const chainPath = this.path(`${name}.chain.pem`);
      writeFileSync(chainPath, options.chain.map((c) => readFileSync(c.certPath, 'utf8')).join(''));
      certsLine = `certs = ${chainPath}`;
    }
    const configPath = this.path(`${name}.tsa.cnf`);
    writeFileSync(
      configPath,
      [
        '[tsa]',
        'default_tsa = tsa_config',
        '[tsa_config]',
        `serial = ${serialPath}`,
        'crypto_device = builtin',
        `signer_cert = ${signer.certPath}`,
        `signer_key = ${signer.keyPath}`,
        certsLine,
        `signer_digest = ${options.signerDigest ?? 'sha256'}`,
        'default_policy = 1.2.3.4.1',
        'other_policies = 1.2.3.4.5, 1.2.3.4.6',
        'digests = sha256, sha384, sha512',
        `accuracy = ${options.accuracy ?? 'secs:1, millisecs:500, microsecs:100'}`,
        'clock_precision_digits = 0',
        'ordering = yes',
        `tsa_name = ${options.tsaName === false ? 'no' : 'yes'}`,
        'ess_cert_id_chain = no',
        `ess_cert_id_alg = ${options.essCertIdAlg ?? 'sha256'}`,
        '',
      ].join('\n'),
    );
    return new TestTsa(this, name, configPath);
  }
}

let counter = 0;

export class TestTsa {
  constructor(
    private readonly pki: TestPki,
    readonly name: string,
    readonly configPath: string,
  ) {}

  private args(queryPath: string, outPath: string): string[] {
    return ['ts', '-reply', '-config', this.configPath, '-queryfile', queryPath, '-out', outPath];
  }

  private paths(): [string, string] {
    const n = counter++;
    return [this.pki.path(`${this.name}.${n}.tsq`), this.pki.path(`${this.name}.${n}.tsr`)];
  }

  /** The DER TimeStampResp `openssl ts -reply` gives for a DER TimeStampReq. */
  reply(query: Uint8Array): Uint8Array {
    const [q, r] = this.paths();
    writeFileSync(q, query);
    openssl(this.args(q, r));
    return new Uint8Array(readFileSync(r));
  }

  /** As reply, without blocking the event loop (for the HTTP TSA). */
  async replyAsync(query: Uint8Array): Promise<Uint8Array> {
    const [q, r] = this.paths();
    writeFileSync(q, query);
    await execFileAsync(OPENSSL, this.args(q, r));
    return new Uint8Array(readFileSync(r));
  }
}

/** The eContent (DER TSTInfo) of a TimeStampToken. */
export function tstInfoOf(token: Uint8Array): Uint8Array {
  const ci = asn1js.fromBER(token).result as asn1js.Sequence;
  const explicit = ci.valueBlock.value[1] as asn1js.Constructed;
  const sd = explicit.valueBlock.value[0] as asn1js.Sequence;
  const encap = sd.valueBlock.value[2] as asn1js.Sequence;
  const wrapped = encap.valueBlock.value[1] as asn1js.Constructed;
  const octets = wrapped.valueBlock.value[0] as asn1js.OctetString;
  return new Uint8Array(octets.valueBlock.valueHexView);
}

/**
 * A TimeStampToken over `tstInfo` signed by `signer` with `openssl cms -sign -cades` (an ESS
 * signingCertificateV2 attribute, the signer certificate included). Lets the tests produce
 * tokens from certificates `openssl ts -reply` refuses (no or a non-critical timeStamping EKU).
 */
export function cmsToken(
  pki: TestPki,
  tstInfo: Uint8Array,
  signer: Issued,
  cades = true,
): Uint8Array {
  const n = counter++;
  const inPath = pki.path(`cms-${n}.tst`);
  writeFileSync(inPath, tstInfo);
  return new Uint8Array(
    openssl([
      'cms',
      '-sign',
      '-binary',
      '-nodetach',
      ...(cades ? ['-cades'] : []),
      '-nosmimecap',
      '-md',
      'sha256',
      '-econtent_type',
      '1.2.840.113549.1.9.16.1.4',
      '-signer',
      signer.certPath,
      '-inkey',
      signer.keyPath,
      '-in',
      inPath,
      '-outform',
      'DER',
    ]),
  );
}

export const utf8 = (s: string) => new TextEncoder().encode(s);
