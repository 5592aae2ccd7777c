import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  CborMap,
  encodeCbor,
  encodeCoseKey,
  encodeCoseKeySet,
  type CosePublicKey,
} from '@proofline/cose';
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
  /** The deployment's base URL (no trailing slash): the configuration's issuer and URIs. */
  readonly publicUrl: string;
}

/** A kid in a URL: base64url without padding of the 32-byte RFC 9679 thumbprint. */
const KID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The SCITT routes (SCRAPI, docs/scitt.md), thin wrappers over RecordService and the log
 * directory: RFC 9942 receipts of records (`GET /entries/{id}`, `GET
 * /v1/records/{id}/receipt.cose`) with the same access control as proof bundles, and the
 * service keys as a COSE Key Set (`GET /.well-known/scitt-keys`) or one key by its kid, and
 * the older drafts' `/.well-known/transparency-configuration`. Registration (POST /entries)
 * is registration-route.ts. Errors on these routes are RFC 9290 concise problem details
 * unless the client prefers JSON (concise-problem.ts).
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
  const configuration = transparencyConfiguration(o.publicUrl);
  app.get('/.well-known/transparency-configuration', async (_request, reply) =>
    sendCbor(reply, configuration),
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

/**
 * The compatibility resource `/.well-known/transparency-configuration` (docs/scitt.md): the
 * current SCRAPI draft no longer defines it, but earlier drafts did and deployed clients fetch
 * it. A CBOR map in the shape those drafts used, whose unknown fields clients ignore: the
 * deployment as `issuer`, the registration endpoint, the key set URI and the algorithms of
 * the signed statements it registers.
 */
function transparencyConfiguration(publicUrl: string): Uint8Array {
  return encodeCbor(
    new CborMap([
      ['issuer', publicUrl],
      ['registration_endpoint', `${publicUrl}/entries`],
      ['cose_keys_uri', `${publicUrl}/.well-known/scitt-keys`],
      ['supported_signature_algorithms', ['EdDSA', 'ES256']],
    ]),
  );
}

function sendCbor(reply: FastifyReply, bytes: Uint8Array) {
  return reply
    .type('application/cbor')
    .header('cache-control', 'public, max-age=300')
    .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
