import {
  SCITT_STATEMENT_TYPE,
  isCoseIssuerKey,
  parseCoseIssuerKey,
  type CoseIssuerKey,
} from '@proofline/records';
import type { AccessStore } from '@proofline/storage';
import type { Principal } from '../auth.js';
import type { LogRuntime, RecordService } from '../records/service.js';
import { ServiceError } from '../service-error.js';
import { admitStatement } from './registration-policy.js';

/** Where a registered signed statement is: its record. */
export interface Registration {
  readonly id: string;
  readonly index: number;
  /** True when the same registered form was already in the log: nothing was appended. */
  readonly existing: boolean;
}

/**
 * SCRAPI registration (POST /entries, docs/scitt.md): a signed statement that passes the
 * registration policy (admitStatement) against the tenant's active COSE issuer keys is
 * appended as the record of scittRecordStatement, through RecordService.attest, the path of a
 * single attest: the sequencer's durable commit, the creation receipt stored with it. So a
 * registration answers only once its record is durable, and a refusal writes nothing.
 */
export class StatementRegistry {
  constructor(
    private readonly service: RecordService,
    private readonly access: AccessStore,
  ) {}

  /**
   * Registers `bytes` (a signed or transparent statement) in `runtime`'s log for the
   * principal's tenant. Idempotent by registered form: when a record of type
   * SCITT_STATEMENT_TYPE with the same digest is already in the log (found as GET
   * /v1/records?digest= finds it), that record is answered and nothing is appended. Two
   * concurrent registrations of one statement may both miss each other and both append (the
   * lookup and the append are not one transaction): both records are the same statement's,
   * and a lookup answers the first.
   */
  async register(principal: Principal, runtime: LogRuntime, bytes: Uint8Array) {
    const keys = await this.issuerKeys(principal.tenant);
    const { statement } = admitStatement(bytes, keys);
    const log = runtime.config.name;
    const found = await this.service.findByDigest(principal, statement.digest, log);
    const earlier = found.find((view) => view.record.type === SCITT_STATEMENT_TYPE);
    if (earlier !== undefined) {
      return { id: earlier.id, index: earlier.index, existing: true } satisfies Registration;
    }
    const result = await this.service.attest(principal, runtime, [statement], {
      batch: false,
      reserved: SCITT_STATEMENT_TYPE,
    });
    const view = result.receipts[0]!;
    return { id: view.id, index: view.index, existing: false } satisfies Registration;
  }

  /**
   * The RFC 9942 receipt of a registration once a checkpoint with a root signature covers
   * it, waiting at most `waitMs` (polling storage, off the event loop); undefined when none
   * came in time (the record stays durable; GET /entries/{id} answers later).
   */
  async receipt(
    runtime: LogRuntime,
    registration: Registration,
    waitMs: number,
  ): Promise<Uint8Array | undefined> {
    const deadline = Date.now() + waitMs;
    const log = runtime.config.name;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const checkpoint = await this.service.checkpoints.waitFor(log, registration.index + 1, left);
      if (checkpoint === undefined) return undefined;
      try {
        return await this.service.coseReceipt(registration.id);
      } catch (err) {
        // Covered by a checkpoint without a root signature (one published by an older node):
        // the next one has one.
        if (!(err instanceof ServiceError) || err.code !== 'NOT_YET_CHECKPOINTED') throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, left)));
      }
    }
  }

  /**
   * The tenant's active COSE issuer keys (the `cose:` lines of its issuer-key list; note
   * verifier keys are skipped). A stored line that does not parse was altered after it was
   * added: RecordError INVALID_ISSUER_KEY, a 500 storage-corrupt.
   */
  private async issuerKeys(tenant: string): Promise<CoseIssuerKey[]> {
    const lines = await this.access.listIssuerKeys(tenant);
    return lines.filter(isCoseIssuerKey).map(parseCoseIssuerKey);
  }
}
