/**
 * The log side of c2sp.org/tlog-witness: sends a new checkpoint, with a consistency proof,
 * to every witness of a policy in parallel, collects their cosignatures and returns the
 * cosigned checkpoint when the policy's quorum is met.
 */
import {
  NoteError,
  formatNote,
  openNote,
  parseCheckpoint,
  parseNote,
  type NoteSignature,
} from '@proofline/note';
import { WitnessError } from './errors.js';
import type { PolicyWitness, WitnessPolicy } from './policy.js';
import {
  MAX_RESPONSE_SIZE,
  TLOG_SIZE_CONTENT_TYPE,
  formatAddCheckpoint,
  parseSizeBody,
  splitCosignatureLines,
} from './protocol.js';

export interface WitnessClientOptions {
  /** Who to ask and what quorum to reach; witnesses without a URL are not contacted. */
  readonly policy: WitnessPolicy;
  /** How long one round may take, in ms (default 5000). */
  readonly timeoutMs?: number;
  /**
   * Once the quorum is met, how much longer to wait for the other witnesses, in ms (default
   * 100). Their late answers still update what the client knows of them.
   */
  readonly graceMs?: number;
  /** How many times to retry a witness after a 409 that reports another size (default 2). */
  readonly conflictRetries?: number;
  readonly fetch?: typeof fetch;
}

/** One checkpoint to have cosigned. */
export interface CosignRequest {
  /** The checkpoint note, signed by the log. */
  readonly note: string;
  /** An RFC 6962 consistency proof from `oldSize` to the checkpoint's size. */
  readonly prove: (oldSize: number) => Promise<readonly Uint8Array[]>;
  /**
   * The log's previous published checkpoint, possibly cosigned: the witnesses that cosigned
   * it are first asked with its size as the old size (instead of 0).
   */
  readonly previous?: string;
}

/** What happened with one witness. */
export interface WitnessResult {
  /** The witness's name in the policy. */
  readonly witness: string;
  readonly ok: boolean;
  /** HTTP status of the last response, if any. */
  readonly status?: number;
  /** Why it failed. */
  readonly error?: string;
  /** Round-trip time of all requests to this witness, in ms. */
  readonly ms: number;
  /** Number of requests (more than one after a 409). */
  readonly requests: number;
}

export interface CosignOutcome {
  /** Whether the cosignatures collected satisfy the policy. */
  readonly satisfied: boolean;
  /** The checkpoint with the log's signature(s) and every collected cosignature. */
  readonly note: string;
  /** Names of the witnesses that cosigned, in policy order. */
  readonly cosigned: readonly string[];
  /** Per witness, in policy order (witnesses still pending at the end are reported failed). */
  readonly results: readonly WitnessResult[];
  /** Time the round took, in ms. */
  readonly ms: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_GRACE_MS = 100;

/** Reads at most MAX_RESPONSE_SIZE bytes of a response body as UTF-8. */
async function readBody(response: Response): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.length;
    if (length > MAX_RESPONSE_SIZE) {
      await reader.cancel();
      throw new WitnessError('MALFORMED_RESPONSE', 'response body too large');
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
}

function addCheckpointUrl(prefix: string): string {
  return `${prefix.replace(/\/+$/, '')}/add-checkpoint`;
}

/**
 * A witness client for one or more logs. It remembers, per log origin and witness, the last
 * size the witness reported or cosigned, so each request carries the right old size and
 * proof; a 409 makes it retry from the size the witness reports.
 */
export class WitnessClient {
  private readonly witnesses: readonly (PolicyWitness & { readonly url: string })[];
  private readonly timeoutMs: number;
  private readonly graceMs: number;
  private readonly retries: number;
  private readonly fetch: typeof fetch;
  /** `${origin}\n${witness}` -> the size the witness last cosigned, as far as we know. */
  private readonly known = new Map<string, number>();

  constructor(private readonly options: WitnessClientOptions) {
    this.witnesses = options.policy.witnesses.filter(
      (w): w is PolicyWitness & { url: string } => w.url !== undefined,
    );
    if (!options.policy.satisfied(new Set(this.witnesses.map((w) => w.name)))) {
      throw new WitnessError(
        'INVALID_POLICY',
        'the witnesses with a URL can never satisfy the quorum',
      );
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    this.retries = options.conflictRetries ?? 2;
    this.fetch = options.fetch ?? globalThis.fetch;
  }

  /** The policy's witnesses that this client contacts. */
  get endpoints(): readonly PolicyWitness[] {
    return this.witnesses;
  }

  /**
   * Sends `request.note` to every witness in parallel and resolves, at the latest after
   * timeoutMs, with the cosignatures collected. Resolves early once the quorum is met and
   * graceMs more have passed (or every witness answered). Never rejects because of a
   * witness; rejects only if `request.note` is not a checkpoint signed note.
   */
  async cosign(request: CosignRequest): Promise<CosignOutcome> {
    const started = performance.now();
    const parsed = parseNote(request.note);
    const checkpoint = parseCheckpoint(parsed.text);
    await this.seed(checkpoint.origin, request.previous);

    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const cosignatures = new Map<string, NoteSignature>();
    const results = new Map<string, WitnessResult>();
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    let grace: ReturnType<typeof setTimeout> | undefined;
    const settle = () => {
      if (results.size === this.witnesses.length) return finish();
      if (grace === undefined && this.options.policy.satisfied(new Set(cosignatures.keys()))) {
        grace = setTimeout(finish, this.graceMs);
      }
    };
    const all = this.witnesses.map(async (witness) => {
      const result = await this.ask(witness, checkpoint, request, controller.signal, (sig) =>
        cosignatures.set(witness.name, sig),
      ).catch((err: unknown): WitnessResult => ({
        witness: witness.name,
        ok: false,
        error: `unexpected error: ${(err as Error)?.message ?? String(err)}`,
        ms: performance.now() - started,
        requests: 1,
      }));
      results.set(witness.name, result);
      settle();
    });
    // Late answers keep updating `known` until the timeout aborts them.
    void Promise.all(all).finally(() => clearTimeout(timer));
    controller.signal.addEventListener('abort', finish);
    if (this.witnesses.length === 0) finish();
    await finished;
    clearTimeout(grace);

    const cosigned = this.witnesses.filter((w) => cosignatures.has(w.name)).map((w) => w.name);
    const signatures = [...parsed.signatures];
    for (const name of cosigned) {
      const sig = cosignatures.get(name)!;
      if (!signatures.some((s) => s.name === sig.name && s.keyId === sig.keyId)) {
        signatures.push(sig);
      }
    }
    return Object.freeze({
      satisfied: this.options.policy.satisfied(new Set(cosigned)),
      note: formatNote({ text: parsed.text, signatures }),
      cosigned: Object.freeze(cosigned),
      results: Object.freeze(
        this.witnesses.map(
          (w) =>
            results.get(w.name) ?? {
              witness: w.name,
              ok: false,
              error: `no answer within ${this.timeoutMs} ms`,
              ms: performance.now() - started,
              requests: 1,
            },
        ),
      ),
      ms: performance.now() - started,
    });
  }

  /**
   * Learns the old sizes from the previous checkpoint's valid cosignatures, for witnesses
   * the client knows nothing about yet (e.g. after a restart).
   */
  private async seed(origin: string, previous: string | undefined): Promise<void> {
    if (previous === undefined) return;
    let size: number;
    try {
      const note = parseNote(previous);
      const cp = parseCheckpoint(note.text);
      if (cp.origin !== origin) return;
      size = cp.size;
    } catch {
      return;
    }
    for (const witness of this.witnesses) {
      const key = `${origin}\n${witness.name}`;
      if (this.known.has(key)) continue;
      try {
        await openNote(previous, [witness.verifier]);
        this.known.set(key, size);
      } catch {
        // not cosigned by this witness (or not verifiable): start from 0, a 409 will tell
      }
    }
  }

  private async ask(
    witness: PolicyWitness & { readonly url: string },
    checkpoint: { readonly origin: string; readonly size: number },
    request: CosignRequest,
    signal: AbortSignal,
    onCosignature: (sig: NoteSignature) => void,
  ): Promise<WitnessResult> {
    const key = `${checkpoint.origin}\n${witness.name}`;
    const started = performance.now();
    let requests = 0;
    let status: number | undefined;
    const fail = (error: string): WitnessResult => ({
      witness: witness.name,
      ok: false,
      ...(status === undefined ? {} : { status }),
      error,
      ms: performance.now() - started,
      requests,
    });
    let oldSize = this.known.get(key) ?? 0;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (oldSize > checkpoint.size) {
        return fail(`the witness has cosigned size ${oldSize}, beyond ${checkpoint.size}`);
      }
      let body: string;
      try {
        const proof =
          oldSize === 0 || oldSize === checkpoint.size ? [] : await request.prove(oldSize);
        body = formatAddCheckpoint({ oldSize, proof, checkpoint: request.note });
      } catch (err) {
        return fail(
          `cannot build the consistency proof from ${oldSize}: ${(err as Error).message}`,
        );
      }
      let text: string;
      let contentType: string;
      try {
        requests++;
        const response = await this.fetch(addCheckpointUrl(witness.url), {
          method: 'POST',
          body,
          signal,
          redirect: 'error',
        });
        status = response.status;
        contentType = response.headers.get('content-type') ?? '';
        text = await readBody(response);
      } catch (err) {
        if (signal.aborted) return fail('timed out');
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return fail(
          `request failed: ${(err as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`,
        );
      }
      if (status === 409 && contentType.split(';')[0]!.trim() === TLOG_SIZE_CONTENT_TYPE) {
        let reported: number;
        try {
          reported = parseSizeBody(text);
        } catch (err) {
          return fail((err as Error).message);
        }
        this.known.set(key, reported);
        if (reported === oldSize) return fail(`409 for old size ${oldSize}`);
        oldSize = reported;
        continue;
      }
      if (status !== 200) {
        return fail(`HTTP ${status}: ${text.slice(0, 200).trim()}`);
      }
      try {
        splitCosignatureLines(text);
        // Per the spec: append the lines to the checkpoint and open it with the witness key.
        const opened = await openNote(request.note + text, [witness.verifier]);
        const sig = opened.verified.find(
          (s) => s.name === witness.verifier.name && s.keyId === witness.verifier.keyId,
        );
        if (sig === undefined) return fail('no cosignature by the witness key');
        // Answers of an earlier round may arrive late: never move backwards on a success.
        this.known.set(key, Math.max(this.known.get(key) ?? 0, checkpoint.size));
        onCosignature(sig);
        return {
          witness: witness.name,
          ok: true,
          status,
          ms: performance.now() - started,
          requests,
        };
      } catch (err) {
        if (err instanceof NoteError || err instanceof WitnessError) {
          return fail(`bad cosignature: ${err.message}`);
        }
        throw err;
      }
    }
    return fail('too many 409 responses');
  }
}
