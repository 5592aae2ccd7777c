import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  LogTrustError,
  ProoflineClient,
  ProoflineError,
  UnverifiedWriteError,
} from '@proofline/client';
import { digestFile, digestStream } from '@proofline/client/node';
import { coseKeyThumbprint, signStatement } from '@proofline/cose';
import { UsageError } from '../cli/command.js';
import { EXIT } from '../exit-codes.js';
import { statementSigner } from '../statement-key.js';

export interface ScittAttestOptions {
  /**
   * The artefact: a file (`-`: standard input), or its digest `sha256:<64 hex>`; without a
   * file name (stdin, a digest) `subject` is required.
   */
  readonly artefact: { readonly file: string } | { readonly digest: string };
  readonly url: string;
  readonly apiKey: string;
  readonly logKey: string;
  readonly log?: string;
  /** PKCS#8 PEM private key file (Ed25519 or P-256). */
  readonly statementKey: string;
  /** CWT iss. */
  readonly issuer: string;
  /** CWT sub; default the file's base name. */
  readonly subject?: string;
  /** Protected kid, hex; default the RFC 9679 thumbprint of the statement key. */
  readonly kid?: string;
  /** The artefact's media type (hash-envelope header 259). */
  readonly contentType?: string;
  /** Where the transparent statement is written. */
  readonly out: string;
  /** Replace an existing `out`. */
  readonly force: boolean;
  /** How long to wait for the receipt, seconds. */
  readonly waitSeconds: number;
}

/**
 * The output file, claimed before anything is registered: a temporary file beside `out`
 * proves the directory exists and is writable, and an existing `out` is refused unless
 * `force`. `commit` moves the bytes in place (without `force`, never over a file that
 * appeared meanwhile); `discard` removes the temporary file.
 */
function claimOutput(out: string, force: boolean) {
  if (!force && existsSync(out)) {
    throw new UsageError(`${out} exists: give --force to replace it`);
  }
  const tmp = join(dirname(out), `.${basename(out)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, '', { flag: 'wx', mode: 0o644 });
  } catch (err) {
    throw new UsageError(`cannot write ${out}: ${(err as Error).message}`);
  }
  return {
    commit(bytes: Uint8Array) {
      writeFileSync(tmp, bytes);
      if (force) renameSync(tmp, out);
      else {
        linkSync(tmp, out);
        rmSync(tmp);
      }
    },
    discard: () => rmSync(tmp, { force: true }),
  };
}

/** The 32 bytes of a `sha256:<64 hex>` digest. */
function hashOf(digest: string): Uint8Array {
  const match = /^sha256:([0-9a-f]{64})$/.exec(digest);
  if (match === null) throw new UsageError('--digest takes sha256:<64 lowercase hex digits>');
  return new Uint8Array(Buffer.from(match[1]!, 'hex'));
}

function kidOf(hex: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2}){1,64}$/i.test(hex)) throw new UsageError('--kid takes 1..64 bytes in hex');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/**
 * `proofline attest --scitt`: makes a SCITT signed statement over one artefact as a hash
 * envelope (payload = its SHA-256, computed locally or given; 258 = -16; 259 =
 * `contentType`), signed with the statement key, registers it (POST /entries, the log checked
 * against the pinned key first), verifies the receipt with the log key, writes the
 * transparent statement (the statement with the receipt in header 394) to `out` and prints
 * the entry id. Everything that can be checked locally — the output path, the key file, the
 * arguments — is checked before anything is sent: a mistake writes nothing to the log. Exit
 * codes: see EXIT (3: registered, no receipt within the wait; 4: registered, the receipt
 * does not verify).
 */
export async function attestScitt(o: ScittAttestOptions): Promise<number> {
  const file = 'file' in o.artefact ? o.artefact.file : undefined;
  if ((file === undefined || file === '-') && o.subject === undefined) {
    throw new UsageError('standard input or a digest has no name: give --subject');
  }
  const given = 'digest' in o.artefact ? hashOf(o.artefact.digest) : undefined;
  const signer = statementSigner(readFileSync(o.statementKey, 'utf8'), o.statementKey);
  const kid = o.kid === undefined ? coseKeyThumbprint(signer.publicKey) : kidOf(o.kid);
  const output = claimOutput(o.out, o.force);
  try {
    const hash =
      given ?? hashOf(file === '-' ? await digestStream(process.stdin) : await digestFile(file!));
    const statement = await signStatement({
      signer,
      kid,
      issuer: o.issuer,
      subject: o.subject ?? basename(file!),
      envelope: {
        hash,
        hashAlg: -16,
        ...(o.contentType === undefined ? {} : { preimageContentType: o.contentType }),
      },
    });
    const client = new ProoflineClient({
      url: o.url,
      apiKey: o.apiKey,
      trust: { logKey: o.logKey },
      ...(o.log ? { log: o.log } : {}),
    });
    const registered = await client.registerStatement(statement, {
      transparent: true,
      timeoutMs: o.waitSeconds * 1000,
    });
    output.commit(registered.transparentStatement!);
    process.stdout.write(`${registered.id}\n`);
    process.stderr.write(
      `proofline: ${file ?? o.subject} registered as ${registered.id} (receipt verified, tree size ` +
        `${registered.treeSize}); transparent statement written to ${o.out}\n`,
    );
    return EXIT.ok;
  } catch (err) {
    output.discard();
    return reportFailure(err);
  }
}

function reportFailure(err: unknown): number {
  if (err instanceof LogTrustError) {
    process.stderr.write(`proofline: nothing was written: ${err.message}\n`);
    return EXIT.failed;
  }
  if (err instanceof UnverifiedWriteError) {
    process.stderr.write(
      `proofline: the statement was registered, but ${err.message}; do not rely on it\n`,
    );
    return EXIT.writtenUnverified;
  }
  if (err instanceof ProoflineError && err.entryId !== undefined) {
    process.stderr.write(`proofline: ${err.message}\n`);
    return EXIT.notYetProvable;
  }
  if (err instanceof ProoflineError) {
    const field = err.field === undefined ? '' : ` (${err.field})`;
    process.stderr.write(
      `proofline: the log refused the statement: ${err.code}: ${err.message}${field}\n`,
    );
    return EXIT.failed;
  }
  throw err;
}
