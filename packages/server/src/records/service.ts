import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  ERASURE_TYPE,
  digestLookupKey,
  isCoseIssuerKey,
  parseRecordId,
  recordId,
  verifyIssuer,
  type Bundle,
  type Statement,
} from '@proofline/records';
import { parseVerifierKey, type Signer } from '@proofline/note';
import type {
  AccessStore,
  Idempotency,
  LogConfig,
  LogVisibility,
  Storage,
} from '@proofline/storage';
import type { Sequencer } from '@proofline/sequencer';
import type { Principal } from '../auth.js';
import { ServiceError } from '../service-error.js';
import { erased, storedRecord } from '../stored-record.js';
import { CheckpointWaiter } from './checkpoints.js';
import { ProofBundles } from './bundles.js';
import { Receipts, type CreationReceipt } from './receipts.js';
import { CoseReceipts } from '../scitt/receipts.js';
import { PreparedBatch } from './prepared-batch.js';
import { preparedGroup, recordGroup, type RecordGroup } from './record-group.js';
import { checkStatement, type ReservedType } from './statement-check.js';

import type { CompactBatchView, ReceiptView } from '@proofline/records';

/** What this node runs for one log: its configuration, signing key and sequencer. */
export interface LogRuntime {
  readonly config: LogConfig;
  readonly signer: Signer;
  readonly sequencer: Sequencer;
  /**
   * The witness policy its checkpoints are published under, when they are witnessed:
   * c2sp.org/tlog-cosignature verifier keys (type 0x04) and how many of them must cosign.
   * Published in the log's description (GET /logs/<name>/) for verifiers to use.
   */
  readonly witnesses?: { readonly keys: readonly string[]; readonly quorum: number };
  /**
   * The RFC 3161 time-stamping authorities that timestamp its checkpoints: base64 DER root
   * certificates. Published in the log's description for verifiers to use.
   */
  readonly timestampAuthorities?: { readonly roots: readonly string[] };
}

export interface AttestResult {
  /** The receipt of each record, in order (none when `compact` is given instead). */
  readonly receipts: ReceiptView[];
  /** The compact batch answer, when asked for (see attest). */
  readonly compact?: CompactBatchView;
  /** True when an idempotency key replayed an earlier request. */
  readonly replayed: boolean;
}

/** How `RecordService.attest` writes and answers. */
export interface AttestOptions {
  /** The request's Idempotency-Key, if any. */
  readonly idempotencyKey?: string | undefined;
  /** A batch request (POST /v1/records/batch): errors name the statement's position. */
  readonly batch: boolean;
  /** Answer with the compact batch view (records CompactBatchView) instead of receipts. */
  readonly compact?: boolean;
  /**
   * The reserved type (statement-check.ts) the calling service may write: ERASURE_TYPE for
   * the erasure service, SCITT_STATEMENT_TYPE for registration; none for clients.
   */
  readonly reserved?: ReservedType;
}

/**
 * The attestation use cases: validate statements, sequence them as records, and produce
 * receipts and proof bundles. Every refusal of a caller is a ServiceError; what the layers
 * below throw passes through (errors.ts maps both).
 */
export class RecordService {
  readonly checkpoints: CheckpointWaiter;
  /** Proof bundles and their per-log caches (tile hashes, latest checkpoint, sequenced size). */
  private readonly bundles: ProofBundles;
  /** Receipts, as stored with each commit (signed once, when it was sequenced). */
  private readonly receipts: Receipts;
  /** RFC 9942 receipts, assembled from the latest checkpoint's stored root signature. */
  private readonly coseReceipts: CoseReceipts;

  constructor(
    private readonly storage: Storage,
    private readonly access: AccessStore,
    private readonly logs: ReadonlyMap<string, LogRuntime>,
    private readonly publicUrl: string,
    /** Asked for a log name not in `logs` (see AppOptions.resolveLog). */
    private readonly resolveLog?: (name: string) => Promise<LogRuntime | undefined>,
  ) {
    for (const [name, runtime] of logs) {
      if (!runtime.sequencer.seals) throw unsealed(name);
    }
    this.checkpoints = new CheckpointWaiter(storage);
    this.bundles = new ProofBundles(storage);
    this.receipts = new Receipts(storage, publicUrl, (log) => this.bundles.tileCache(log));
    this.coseReceipts = new CoseReceipts(storage);
  }

  /** The log a principal may use: named, or the tenant's only log. Another tenant's log is a 404. */
  async logFor(principal: Principal, name: string | undefined): Promise<LogRuntime> {
    if (name === undefined) {
      const own = [...this.logs.values()].filter((l) => l.config.tenant === principal.tenant);
      if (own.length === 1) return own[0]!;
      throw new ServiceError(
        'LOG_REQUIRED',
        own.length === 0
          ? `tenant ${principal.tenant} has no log`
          : `tenant ${principal.tenant} has several logs: name one with ?log=`,
      );
    }
    const runtime = await this.runtimeOf(name);
    if (!runtime || runtime.config.tenant !== principal.tenant) {
      throw new ServiceError('UNKNOWN_LOG', `no log named ${JSON.stringify(name)}`);
    }
    return runtime;
  }

  /**
   * Validates, sequences and answers `input`: submitted statements (parsed JSON values), or a
   * batch already validated on a body parser thread (PreparedBatch, never with `reserved`),
   * which is refused and written exactly as its statements would be.
   */
  async attest(
    principal: Principal,
    runtime: LogRuntime,
    input: readonly unknown[] | PreparedBatch,
    options: AttestOptions,
  ): Promise<AttestResult> {
    const { idempotencyKey, batch, compact = false, reserved } = options;
    const tenant = principal.tenant;
    let issued: [number, Statement][];
    let canonical: () => string | Uint8Array;
    let makeGroup: (idempotency?: Idempotency) => RecordGroup;
    if (input instanceof PreparedBatch) {
      if (reserved !== undefined) throw new Error('a prepared batch never holds reserved types');
      const packed = input.statements();
      issued = input.issuers.map((i) => [i, input.statement(i)]);
      canonical = () => packed.bytes;
      makeGroup = (idempotency) => preparedGroup(packed, input.lookupKeys, tenant, idempotency);
    } else {
      const statements = input.map((value, i) => checkStatement(value, i, batch, reserved));
      issued = [...statements.entries()].filter(([, s]) => s.issuer !== undefined);
      canonical = () => canonicalize(statements)!;
      makeGroup = (idempotency) => recordGroup(statements, tenant, idempotency);
    }
    await this.checkIssuers(tenant, issued, batch);
    let idempotency: Idempotency | undefined;
    if (idempotencyKey !== undefined) {
      // SHA-256 of the log's name, a newline and the statements' RFC 8785 canonical JSON.
      const requestHash = createHash('sha256')
        .update(`${runtime.config.name}\n`)
        .update(canonical())
        .digest('hex');
      idempotency = { tenant, key: idempotencyKey, requestHash };
      const used = await this.storage.findIdempotency(tenant, idempotencyKey);
      if (used) return { ...(await this.replay(used, requestHash, compact)), replayed: true };
    }
    const group = makeGroup(idempotency);
    const result = await runtime.sequencer.appendGroup(group);
    if (result.status === 'duplicate') {
      const replayed = await this.replay(result, idempotency!.requestHash, compact);
      return { ...replayed, replayed: true };
    }
    if (compact) {
      return {
        receipts: [],
        compact: this.receipts.compactOfGroup(runtime, result),
        replayed: false,
      };
    }
    return { receipts: await this.receipts.ofGroup(runtime, result), replayed: false };
  }

  /** The record and its stored creation receipt of `id`, for its own tenant only. */
  async get(principal: Principal, id: string): Promise<ReceiptView> {
    const { runtime, index } = await this.locate(id);
    if (runtime.config.tenant !== principal.tenant) throw notFound(id);
    const [entry] = await this.storage.readEntries(runtime.config.name, index, index + 1);
    return this.receipt(runtime, index, entry!);
  }

  /**
   * The public v2 proof bundle of `id`, anchored to the first checkpoint that covered it (see
   * bundles.ts), with the creation receipt stored with its commit (none if it has none).
   */
  async bundle(id: string): Promise<Bundle> {
    const { runtime, index } = await this.locate(id);
    const bundle = await this.bundles.build(runtime.config, id, index, (i) =>
      this.creation(runtime, i),
    );
    // An erased entry (zero bytes) has no bundle: its leaf stays, its record is gone.
    if (bundle.entry.length === 0) throw await this.erasedRecord(runtime.config, index);
    return bundle;
  }

  /** formatBundle(await bundle(id)) in UTF-8, byte for byte, mostly from caches (ProofBundles.json). */
  async bundleJson(id: string, visibility: LogVisibility | undefined): Promise<Buffer> {
    const { runtime, index } = await this.locate(id);
    const log = runtime.config.name;
    // Only a private log's entries can be erased: its cached texts are checked against the
    // stored entry (one read, which a text not cached is then made from); public logs keep
    // the cache's fast path. `visibility` is what the caller's access check read
    // (LogDirectory, cached ≤ 2 s); unknown counts as private.
    let entry: Uint8Array | undefined;
    if (visibility !== 'public') {
      [entry] = await this.storage.readEntries(log, index, index + 1);
      if (entry!.length === 0) throw await this.erasedRecord(runtime.config, index);
    }
    try {
      const creation = (i: number) => this.creation(runtime, i);
      return await this.bundles.json(runtime.config, id, index, creation, entry);
    } catch (err) {
      if (err instanceof ServiceError && err.code === 'RECORD_ERASED') {
        throw await this.erasedRecord(runtime.config, index);
      }
      throw err;
    }
  }

  /**
   * The RFC 9942 receipt (COSE) of `id` at the latest checkpoint, which must cover it and
   * carry a root signature (see CoseReceipts): the caller checks read access first.
   */
  async coseReceipt(id: string): Promise<Uint8Array> {
    const { runtime, index } = await this.locate(id);
    return this.coseReceipts.receipt(runtime.config, index, () =>
      this.erasedRecord(runtime.config, index),
    );
  }

  /** The 410 of an erased record, naming its erasure record (found by its idempotency key). */
  private async erasedRecord(config: LogConfig, index: number): Promise<Error> {
    const key = `${ERASURE_TYPE}/${recordId(config.name, index)}`;
    const used = await this.storage.findIdempotency(config.tenant, key);
    return erased(config.name, index, used && recordId(used.log, used.first));
  }

  /** The creation receipt stored with the commit of entry `index`, if it has one. */
  creation(runtime: LogRuntime, index: number): Promise<CreationReceipt | undefined> {
    return this.receipts.creation(runtime, index);
  }

  /** Records of the principal's tenant whose digest is `digest`, in `log` or all its logs. */
  async findByDigest(principal: Principal, digest: string, logName: string | undefined) {
    const runtimes = logName
      ? [await this.logFor(principal, logName)]
      : [...this.logs.values()].filter((l) => l.config.tenant === principal.tenant);
    const found: ReceiptView[] = [];
    for (const runtime of runtimes) {
      const log = runtime.config.name;
      for (const index of await this.storage.findByLookupKey(log, digestLookupKey(digest), 100)) {
        const [entry] = await this.storage.readEntries(log, index, index + 1);
        if (storedRecord(log, index, entry!).digest === digest) {
          found.push(await this.receipts.ofEntry(runtime, index, entry!));
        }
      }
    }
    return found;
  }

  /** The stored entry at `index` with the creation receipt stored with its commit, if any. */
  receipt(runtime: LogRuntime, index: number, entry: Uint8Array): Promise<ReceiptView> {
    return this.receipts.ofEntry(runtime, index, entry);
  }

  /** Verifies the issuer signature of each of `issued`: [its index, a statement with an issuer]. */
  private async checkIssuers(
    tenant: string,
    issued: readonly (readonly [number, Statement])[],
    batch: boolean,
  ): Promise<void> {
    if (issued.length === 0) return;
    // COSE issuer keys (`cose:...`) are registration's (scitt/issuer-keys.ts), not these.
    const verifiers = (await this.access.listIssuerKeys(tenant))
      .filter((k) => !isCoseIssuerKey(k))
      .map((k) => parseVerifierKey(k));
    for (const [i, statement] of issued) {
      if (!(await verifyIssuer(statement, verifiers))) {
        throw new ServiceError(
          'INVALID_ISSUER_SIGNATURE',
          `statement ${i}: the issuer signature does not verify with any issuer key registered for tenant ${tenant}`,
          { details: { field: batch ? `/records/${i}/issuer` : '/issuer' } },
        );
      }
    }
  }

  private async replay(
    used: { requestHash: string; log: string; first: number; count: number },
    requestHash: string,
    compact: boolean,
  ): Promise<Pick<AttestResult, 'receipts' | 'compact'>> {
    if (used.requestHash !== requestHash) {
      throw new ServiceError(
        'IDEMPOTENCY_CONFLICT',
        'this Idempotency-Key was already used with a different request',
      );
    }
    const runtime = await this.runtimeOf(used.log);
    if (!runtime) throw new ServiceError('UNKNOWN_LOG', `log ${used.log} is not served here`);
    if (compact) {
      return {
        receipts: [],
        compact: await this.receipts.compactOfStored(runtime, used.first, used.count),
      };
    }
    return { receipts: await this.receipts.ofStored(runtime, used.first, used.count) };
  }

  /**
   * The runtime of log `name`: from `logs`, else from `resolveLog` (a log created since this
   * node started), which may also throw a ServiceError (e.g. LOG_UNAVAILABLE: this node lacks its key).
   */
  private async runtimeOf(name: string): Promise<LogRuntime | undefined> {
    const runtime = this.logs.get(name) ?? (await this.resolveLog?.(name));
    if (runtime && !runtime.sequencer.seals) throw unsealed(name);
    return runtime;
  }

  private async locate(id: string): Promise<{ runtime: LogRuntime; index: number }> {
    let parsed: { log: string; index: number };
    try {
      parsed = parseRecordId(id);
    } catch {
      throw notFound(id);
    }
    const runtime = await this.runtimeOf(parsed.log);
    // Asks storage only for an index beyond the sequenced size last seen.
    if (!runtime || !(await this.bundles.isSequenced(parsed.log, parsed.index))) {
      throw notFound(id);
    }
    return { runtime, index: parsed.index };
  }
}

/** A commit made without a sealer stores no receipt, and nothing signs one later. */
function unsealed(log: string): Error {
  return new Error(
    `log ${log}: its sequencer has no ReceiptSealer, so its records would have no receipt`,
  );
}

function notFound(id: string): ServiceError {
  return new ServiceError('RECORD_NOT_FOUND', `no record ${JSON.stringify(id)}`);
}
