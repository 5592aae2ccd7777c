/**
 * The witness (c2sp.org/tlog-witness §add-checkpoint), independent of HTTP: it takes a
 * request body and returns the status, content type and body to answer.
 */
import {
  NoteError,
  openNote,
  parseCheckpoint,
  parseNote,
  type Checkpoint,
  type Verifier,
} from '@proofline/note';
import { emptyTreeHash, equalHashes, verifyConsistency } from '@proofline/tlog';
import type { Cosigner } from './cosignature.js';
import { WitnessError } from './errors.js';
import {
  TLOG_SIZE_CONTENT_TYPE,
  formatSizeBody,
  parseAddCheckpoint,
  type AddCheckpointRequest,
} from './protocol.js';
import type { Evidence, WitnessStore, WitnessedCheckpoint } from './store.js';

/** A log the witness follows: its origin and the keys it trusts for it. */
export interface WitnessedLog {
  readonly origin: string;
  readonly verifiers: readonly Verifier[];
}

/** What the witness did with one request, for logging. */
export interface WitnessEvent {
  readonly status: number;
  readonly origin?: string;
  readonly oldSize?: number;
  readonly size?: number;
  /** Why the request was refused, or "cosigned". */
  readonly message: string;
  /** Set when the refusal is evidence of log misbehaviour. */
  readonly evidence?: Evidence['kind'];
}

export interface WitnessOptions {
  readonly store: WitnessStore;
  readonly cosigner: Cosigner;
  readonly logs: readonly WitnessedLog[];
  /** Called after every request (refused or cosigned). */
  readonly onEvent?: (event: WitnessEvent) => void;
  /** Milliseconds since the epoch (default Date.now); cosignature timestamps are its seconds. */
  readonly now?: () => number;
}

export interface WitnessResponse {
  readonly status: 200 | 400 | 403 | 404 | 409 | 422;
  readonly contentType: string;
  readonly body: string;
}

const TEXT = 'text/plain; charset=utf-8';

/** What one store transaction decides. */
interface Decision {
  readonly write?: WitnessedCheckpoint;
  readonly evidence?: Evidence;
  readonly result: {
    readonly response: WitnessResponse;
    readonly message: string;
    readonly evidence?: Evidence['kind'];
  };
}

function refuse(status: WitnessResponse['status'], message: string): WitnessResponse {
  return { status, contentType: TEXT, body: `${message}\n` };
}

/**
 * A witness over a store. `addCheckpoint` applies, in the spec's order: 400 malformed body,
 * note or checkpoint; 404 unknown origin; 403 no valid signature by a trusted key of that
 * origin (unknown keys are ignored; a bad signature by a trusted key also gives 403); 400 old
 * size larger than the checkpoint's; then, atomically with the update: 409 with the stored
 * size (`text/x.tlog.size`) when the old size is not the size of the latest cosigned
 * checkpoint (0 if none); 409 when the sizes are equal but the roots differ (a fork, kept as
 * evidence); 422 when the consistency proof does not verify (kept as evidence); otherwise
 * the checkpoint is stored durably and its cosignature returned (200, one signature line).
 */
export class Witness {
  private readonly logs = new Map<string, WitnessedLog>();
  private readonly now: () => number;

  constructor(private readonly options: WitnessOptions) {
    for (const log of options.logs) {
      if (this.logs.has(log.origin)) {
        throw new WitnessError('INVALID_CONFIG', `log ${log.origin} is configured twice`);
      }
      if (log.verifiers.length === 0) {
        throw new WitnessError('INVALID_CONFIG', `log ${log.origin} has no key`);
      }
      this.logs.set(log.origin, log);
    }
    this.now = options.now ?? Date.now;
  }

  /** The cosigner's name. */
  get name(): string {
    return this.options.cosigner.name;
  }

  async addCheckpoint(body: Uint8Array | string): Promise<WitnessResponse> {
    const { response, event } = await this.handle(body);
    this.options.onEvent?.(event);
    return response;
  }

  private async handle(
    body: Uint8Array | string,
  ): Promise<{ response: WitnessResponse; event: WitnessEvent }> {
    const done = (response: WitnessResponse, event: Omit<WitnessEvent, 'status'>) => ({
      response,
      event: { status: response.status, ...event },
    });
    let request: AddCheckpointRequest;
    let checkpoint: Checkpoint;
    try {
      request = parseAddCheckpoint(body);
      checkpoint = parseCheckpoint(parseNote(request.checkpoint).text);
    } catch (err) {
      if (!(err instanceof WitnessError || err instanceof NoteError)) throw err;
      return done(refuse(400, `malformed request: ${err.message}`), { message: err.message });
    }
    const { origin, size } = checkpoint;
    const context = { origin, oldSize: request.oldSize, size };
    const log = this.logs.get(origin);
    if (log === undefined) {
      return done(refuse(404, 'unknown log origin'), { ...context, message: 'unknown origin' });
    }
    try {
      await openNote(request.checkpoint, log.verifiers);
    } catch (err) {
      if (!(err instanceof NoteError)) throw err;
      return done(refuse(403, 'no valid signature by a trusted key of this log'), {
        ...context,
        message: err.message,
      });
    }
    if (request.oldSize > size) {
      return done(refuse(400, 'the old size is larger than the checkpoint size'), {
        ...context,
        message: 'old size > size',
      });
    }
    const cosigner = this.options.cosigner;
    const text = parseNote(request.checkpoint).text;
    const now = this.now();
    const decision = this.options.store.update(origin, (current): Decision => {
      const storedSize = current?.size ?? 0;
      if (request.oldSize !== storedSize) {
        return {
          result: {
            response: {
              status: 409,
              contentType: TLOG_SIZE_CONTENT_TYPE,
              body: formatSizeBody(storedSize),
            },
            message: `old size ${request.oldSize} is not the cosigned size ${storedSize}`,
          },
        };
      }
      const oldRoot = current?.rootHash ?? emptyTreeHash();
      const evidence = (kind: Evidence['kind']): Evidence => ({
        origin,
        kind,
        stored: current?.note ?? '',
        request: typeof body === 'string' ? body : new TextDecoder().decode(body),
        receivedAt: now,
      });
      const sameSize = current !== undefined && size === storedSize;
      if (sameSize && !equalHashes(oldRoot, checkpoint.rootHash)) {
        return {
          evidence: evidence('fork'),
          result: {
            response: refuse(409, 'fork: same size as the cosigned checkpoint, another root'),
            message: 'fork: same size, different root',
            evidence: 'fork',
          },
        };
      }
      try {
        verifyConsistency(request.oldSize, size, request.proof, oldRoot, checkpoint.rootHash);
      } catch (err) {
        // Evidence only when the checkpoint may contradict what was cosigned: not without a
        // stored checkpoint, nor for a needless proof sent with the very same tree head.
        const suspicious = current !== undefined && !sameSize;
        return {
          ...(suspicious ? { evidence: evidence('inconsistent') } : {}),
          result: {
            response: refuse(422, 'the consistency proof does not verify'),
            message: (err as Error).message,
            ...(suspicious ? { evidence: 'inconsistent' as const } : {}),
          },
        };
      }
      // Signed under the write lock and released only once the new state is committed: the
      // cosignature's timestamp is never older than the state it vouches for.
      const cosignature = cosigner.cosign(text, Math.floor(now / 1000));
      return {
        write: {
          origin,
          size,
          rootHash: checkpoint.rootHash,
          note: request.checkpoint,
          updatedAt: now,
        },
        result: {
          response: { status: 200, contentType: TEXT, body: cosigner.line(cosignature) },
          message: 'cosigned',
        },
      };
    });
    const { response, message, evidence } = decision;
    return done(response, { ...context, message, ...(evidence ? { evidence } : {}) });
  }
}
