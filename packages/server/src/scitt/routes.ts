import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { encodeCoseKey, encodeCoseKeySet, type CosePublicKey } from '@proofline/cose';
import type { RetiredKeys } from '../key-history.js';
import type { LogDirectory } from '../logs.js';
import type { ReadAccess } from '../read-access.js';
import type { RecordService } from '../records/service.js';
import { ServiceError } from '../service-error.js';
import { serviceKeys } from './keys.js';
import { receiptMediaType } from './receipts.js';

export interface ScittRouteOptions {
  readonly service: RecordService;
  readonly logs: LogDirectory;
  readonly retired: RetiredKeys;
  /** Who may read a private log's receipts: as for its proof bundles. */
  readonly readAccess: ReadAccess;
}

/** A kid in a URL: base64url without padding of the 32-byte RFC 9679 thumbprint. */
const KID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The SCITT routes (SCRAPI, docs/scitt.md), thin wrappers over RecordService and the log
 * directory: RFC 9942 receipts of records (`GET /entries/{id}`, `GET
 * /v1/records/{id}/receipt.cose`) with the same access control as proof bundles, and the
 * service keys as a COSE Key Set (`GET /.well-known/scitt-keys`) or one key by its kid.
 * Errors are the API's RFC 9457 problem documents (SCRAPI's CBOR problem details are not
 * supported).
 */
export function registerScittRoutes(app: FastifyInstance, o: ScittRouteOptions): void {
  const receipt = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    reply: FastifyReply,
  ) => {
    const id = request.params.id;
    const log = await o.readAccess.checkRecord(request, id);
    const bytes = await o.service.coseReceipt(id);
    return reply
      .type(receiptMediaType(request.headers.accept))
      .header('vary', 'accept')
      .header('cache-control', log?.visibility === 'private' ? 'private, no-store' : 'no-cache')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  };
  app.get<{ Params: { id: string } }>('/entries/:id', receipt);
  app.get<{ Params: { id: string } }>('/v1/records/:id/receipt.cose', receipt);

  const keys = async (): Promise<CosePublicKey[]> => {
    const logs = await o.logs.list();
    return serviceKeys(
      await Promise.all(logs.map(async (log) => ({ log, retired: await o.retired.get(log) }))),
    );
  };
  app.get('/.well-known/scitt-keys', async (_request, reply) =>
    sendCbor(reply, encodeCoseKeySet(await keys())),
  );
  app.get<{ Params: { kid: string } }>('/.well-known/scitt-keys/:kid', async (request, reply) => {
    const kid = request.params.kid;
    const key = KID_PATTERN.test(kid)
      ? (await keys()).find((k) => Buffer.from(k.kid!).toString('base64url') === kid)
      : undefined;
    if (key === undefined) {
      throw new ServiceError(
        'ROUTE_NOT_FOUND',
        `no key of this service has kid ${JSON.stringify(kid)}`,
      );
    }
    return sendCbor(reply, encodeCoseKey(key));
  });
}

function sendCbor(reply: FastifyReply, bytes: Uint8Array) {
  return reply
    .type('application/cbor')
    .header('cache-control', 'public, max-age=300')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
