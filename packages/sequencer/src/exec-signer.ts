import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { CodedError } from '@proofline/tlog';

/**
 * An Ed25519 key held by an external program (which may keep it in a cloud KMS, an HSM
 * behind a network, …), spoken to over its stdin and stdout with one line per message,
 * UTF-8, each ended by `\n` (docs/keys.md, "External signer"):
 *
 *   → public-key
 *   ← public-key <base64 of the 32-byte Ed25519 public key>
 *   → sign <id> <base64 of the message>
 *   ← signature <id> <base64 of the 64-byte Ed25519 signature>
 *   ← error <id> <reason: printable ASCII, at most 200 characters>
 *
 * `id` is a decimal integer chosen by Proofline, unique per process; several `sign` requests
 * may be outstanding and their answers may come in any order. The program's stderr is
 * Proofline's. Base64 is the standard alphabet, padded, canonical.
 *
 * Nothing the program answers is trusted: the public key it announces is compared with the
 * one it announced first (the caller checks that one against the log's registered key), and
 * every signature is verified against it before it is returned (a signature by another key,
 * or garbage, is refused with BAD_SIGNATURE and reported to `onEvent`). Bounded: an answer
 * line longer than MAX_ANSWER_LINE bytes, or one that is not of the protocol, is a PROTOCOL
 * error; a request unanswered after `timeoutMs` is a TIMEOUT; both kill the program, failing
 * every request it owed, since what it answers next can no longer be trusted to be in step.
 * A program that dies (or is killed) is started again on the next request, at most once per
 * RESTART_DELAY_MS, and must announce the same public key. At most MAX_OUTSTANDING requests
 * wait at once; more are refused (BUSY).
 */
export interface ExecKey {
  /** The raw 32-byte Ed25519 public key the program announced when first started. */
  readonly publicKey: Uint8Array;
  /** The program's signature of `message`, verified against `publicKey`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
  /** Stops the program; later requests fail with CLOSED. Idempotent. */
  close(): void;
}

export type ExecSignerErrorCode =
  /** The program could not be started, or did not announce its public key. */
  | 'START'
  /** It announced another public key than when first started. */
  | 'KEY_CHANGED'
  /** It answered something that is not of the protocol, or too long a line. */
  | 'PROTOCOL'
  /** It did not answer in time. */
  | 'TIMEOUT'
  /** It answered `error` (e.g. the KMS refused). */
  | 'REFUSED'
  /** Its signature does not verify against its public key (another key, or garbage). */
  | 'BAD_SIGNATURE'
  /** It exited (or was killed) while the request was outstanding. */
  | 'EXITED'
  /** Too many requests are outstanding. */
  | 'BUSY'
  /** The key was closed. */
  | 'CLOSED';

export class ExecSignerError extends CodedError<ExecSignerErrorCode> {
  constructor(code: ExecSignerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ExecSignerError';
  }
}

export interface ExecKeyOptions {
  /** The program and its arguments (no shell). */
  readonly command: readonly [string, ...string[]];
  /** Longest wait for the answer to one `sign`, in ms (default EXEC_TIMEOUT_MS). */
  readonly timeoutMs?: number;
  /**
   * Longest wait for a started program's `public-key` answer, in ms (default
   * EXEC_START_TIMEOUT_MS: a KMS client may take a while to load its credentials).
   */
  readonly startTimeoutMs?: number;
  /** Where refusals and restarts are reported (default: stderr). */
  readonly onEvent?: (message: string) => void;
}

export const EXEC_TIMEOUT_MS = 5_000;
export const EXEC_START_TIMEOUT_MS = 15_000;
/** Longest answer line accepted, in bytes (`\n` excluded). */
export const MAX_ANSWER_LINE = 1024;
/** Shortest time between two starts of the program. */
export const RESTART_DELAY_MS = 1_000;
/** Most requests outstanding at once. */
export const MAX_OUTSTANDING = 4096;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Strict, canonical standard base64 of exactly `length` bytes, or undefined. */
function decodeBase64(text: string, length: number): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length || bytes.toString('base64') !== text) return undefined;
  return new Uint8Array(bytes);
}

interface Request {
  readonly message: Uint8Array | undefined; // undefined: the public-key request
  resolve(value: Uint8Array): void;
  reject(err: ExecSignerError): void;
}

/** One run of the program: its requests by id. */
interface Run {
  readonly child: ChildProcessByStdio<Writable, Readable, null>;
  readonly requests: Map<number, Request>;
  dead: boolean;
}

/**
 * Starts the program, reads its public key and returns the key (see ExecKey). Throws
 * ExecSignerError START if it cannot be started or does not announce a key in time.
 */
export async function openExecKey(options: ExecKeyOptions): Promise<ExecKey> {
  const timeoutMs = options.timeoutMs ?? EXEC_TIMEOUT_MS;
  const startTimeoutMs = options.startTimeoutMs ?? EXEC_START_TIMEOUT_MS;
  const onEvent =
    options.onEvent ??
    ((m: string) => console.error(`external signer ${options.command[0]}: ${m}`));
  let run: Run | undefined;
  let starting: Promise<Run> | undefined;
  let lastStart = 0;
  let nextId = 1;
  let outstanding = 0;
  let closed = false;
  let publicKey: Uint8Array | undefined;
  let verifyKey: KeyObject | undefined;

  const kill = (r: Run, err: ExecSignerError): void => {
    if (!r.dead) {
      r.dead = true;
      r.child.kill('SIGKILL');
    }
    for (const request of r.requests.values()) request.reject(err);
    r.requests.clear();
    if (run === r) run = undefined;
  };

  const answer = (r: Run, line: string): void => {
    if (line.startsWith('public-key ')) {
      const request = r.requests.get(0);
      const key = decodeBase64(line.slice('public-key '.length), 32);
      if (request === undefined || key === undefined)
        return protocol(r, 'a stray or malformed public-key line');
      r.requests.delete(0);
      return request.resolve(key);
    }
    const m = /^(signature|error) ([1-9]\d{0,14}) (.*)$/s.exec(line);
    const request = m ? r.requests.get(Number(m[2])) : undefined;
    if (!m || request === undefined)
      return protocol(r, 'an answer to no request, or not of the protocol');
    r.requests.delete(Number(m[2]));
    if (m[1] === 'error') {
      const reason = m[3]!.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
      onEvent(`refused to sign: ${reason}`);
      return request.reject(
        new ExecSignerError('REFUSED', `the external signer refused: ${reason}`),
      );
    }
    const signature = decodeBase64(m[3]!, 64);
    if (signature === undefined || !verify(null, request.message!, verifyKey!, signature)) {
      onEvent('answered a signature that does not verify against its public key: refused');
      return request.reject(
        new ExecSignerError(
          'BAD_SIGNATURE',
          'the external signer answered a signature that does not verify against the log key',
        ),
      );
    }
    request.resolve(signature);
  };

  const protocol = (r: Run, what: string): void => {
    onEvent(`${what}: killed`);
    kill(r, new ExecSignerError('PROTOCOL', `the external signer broke the protocol: ${what}`));
  };

  const spawnRun = (): Run => {
    const [program, ...args] = options.command;
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const r: Run = { child, requests: new Map(), dead: false };
    child.unref();
    (child.stdout as Socket).unref?.();
    (child.stdin as Socket).unref?.();
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while (!r.dead && (nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (Buffer.byteLength(line) > MAX_ANSWER_LINE)
          return protocol(r, 'an answer line too long');
        answer(r, line);
      }
      if (Buffer.byteLength(buffered) > MAX_ANSWER_LINE) protocol(r, 'an answer line too long');
    });
    child.stdin.on('error', () => {}); // EPIPE when it died: reported by 'exit'
    const exited = (why: string) => {
      if (!r.dead) onEvent(why);
      r.dead = true;
      kill(r, new ExecSignerError('EXITED', `the external signer ${why}`));
    };
    child.on('error', (err) => exited(`could not run: ${err.message}`));
    child.on('exit', (code, signal) => exited(`exited (${signal ?? `code ${code}`})`));
    return r;
  };

  /** Sends one request on `r`, answered within timeoutMs (else the run is killed). */
  const request = (r: Run, id: number, message: Uint8Array | undefined): Promise<Uint8Array> =>
    new Promise<Uint8Array>((resolve, reject) => {
      if (r.dead) {
        return reject(new ExecSignerError('EXITED', 'the external signer exited'));
      }
      const ms = message === undefined ? startTimeoutMs : timeoutMs;
      const timer = setTimeout(() => {
        onEvent(`no answer within ${ms} ms: killed`);
        kill(
          r,
          new ExecSignerError('TIMEOUT', `the external signer did not answer within ${ms} ms`),
        );
      }, ms);
      const done = () => clearTimeout(timer);
      r.requests.set(id, {
        message,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      const line =
        message === undefined
          ? 'public-key\n'
          : `sign ${id} ${Buffer.from(message).toString('base64')}\n`;
      r.child.stdin.write(line);
    });

  /** The running program, started (and its key checked) if need be. */
  const running = (): Promise<Run> => {
    if (closed)
      return Promise.reject(new ExecSignerError('CLOSED', 'the external signer was closed'));
    if (run && !run.dead) return Promise.resolve(run);
    return (starting ??= (async () => {
      try {
        const wait = lastStart + RESTART_DELAY_MS - Date.now();
        if (lastStart > 0 && wait > 0) await new Promise((r) => setTimeout(r, wait));
        lastStart = Date.now();
        const r = spawnRun();
        let key: Uint8Array;
        try {
          key = await request(r, 0, undefined);
        } catch (err) {
          kill(r, err as ExecSignerError);
          throw new ExecSignerError(
            'START',
            `the external signer did not start: ${(err as Error).message}`,
            { cause: err },
          );
        }
        if (publicKey === undefined) {
          publicKey = key;
          verifyKey = createPublicKey({
            key: Buffer.concat([SPKI_ED25519_PREFIX, key]),
            format: 'der',
            type: 'spki',
          });
        } else if (!Buffer.from(key).equals(publicKey)) {
          onEvent('announced another public key after a restart: killed');
          kill(r, new ExecSignerError('KEY_CHANGED', 'the external signer changed its key'));
          throw new ExecSignerError(
            'KEY_CHANGED',
            'the external signer announced another public key than at first',
          );
        }
        if (closed) {
          kill(r, new ExecSignerError('CLOSED', 'the external signer was closed'));
          throw new ExecSignerError('CLOSED', 'the external signer was closed');
        }
        run = r;
        return r;
      } finally {
        starting = undefined;
      }
    })());
  };

  await running();
  return {
    publicKey: publicKey!,
    async sign(message) {
      if (outstanding >= MAX_OUTSTANDING) {
        throw new ExecSignerError('BUSY', `${MAX_OUTSTANDING} signatures are already awaited`);
      }
      outstanding++;
      try {
        const r = await running();
        return await request(r, nextId++, message);
      } finally {
        outstanding--;
      }
    },
    close() {
      closed = true;
      if (run) kill(run, new ExecSignerError('CLOSED', 'the external signer was closed'));
    },
  };
}
