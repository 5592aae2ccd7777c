import { readFileSync } from 'node:fs';
import { BATCH_V2_MEDIA_TYPE, compactBatchSchema, receiptViewSchema } from '@proofline/records';
import { PROBLEM_STATUS } from './problem.js';
import { scittPaths } from './scitt/openapi.js';

/** JSON Schemas published by @proofline/records (the single source of the record format). */
function recordsSchema(name: string): Record<string, unknown> {
  const url = import.meta.resolve(`@proofline/records/schema/${name}`);
  const schema = JSON.parse(readFileSync(new URL(url), 'utf8')) as Record<string, unknown>;
  delete schema.$schema;
  delete schema.$id;
  return schema;
}

const problem = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problem } },
});
const bearer = [{ apiKey: [] }];
const idParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'Record id: `<log>-<index>`.',
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}-(0|[1-9][0-9]*)$' },
};
const shareParam = {
  name: 'Proofline-Share',
  in: 'header',
  description: 'A share link token (pls_…) of this record, for a private log.',
  schema: { type: 'string' },
};
const logParam = {
  name: 'log',
  in: 'query',
  description: "Log name; optional when the key's tenant has exactly one log.",
  schema: { type: 'string' },
};
const errors = {
  '400': problemResponse('Invalid request or statement (see `code` and `field`).'),
  '401': problemResponse('Missing, invalid or revoked API key.'),
  '403': problemResponse('The API key lacks the required scope.'),
  '404': problemResponse('Unknown log or record (another tenant’s are reported as unknown).'),
  '413': problemResponse('Body, batch or entry too large.'),
  '415': problemResponse(
    'The body is not UTF-8 application/json, or has a Content-Encoding other than identity.',
  ),
  '429': problemResponse('Rate limit of the API key exceeded; see Retry-After.'),
  '503': problemResponse(
    'The log’s backlog is full, or the server is shutting down; retry after Retry-After seconds.',
  ),
};

/** The OpenAPI 3.1 description of the HTTP API, served at /openapi.json and /docs. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Proofline API',
      version: '1',
      description:
        'Attest high-stakes outputs into an append-only, signed, independently verifiable log ' +
        '(C2SP tlog-tiles). Errors are RFC 9457 problem documents with a stable `code`.',
    },
    components: {
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: '`pl_<id>_<secret>` from `proofline api-key create`.',
        },
      },
      schemas: {
        Statement: recordsSchema('statement.v1.json'),
        Record: recordsSchema('record.v1.json'),
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'code', 'detail'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            code: {
              type: 'string',
              description: 'Stable machine-readable code (see docs/errors.md).',
              enum: Object.keys(PROBLEM_STATUS),
            },
            detail: { type: 'string' },
            field: {
              type: 'string',
              description: 'JSON pointer of the offending field, when there is one.',
            },
            log: {
              type: 'string',
              description: '`storage-corrupt`: the log of the corrupt entry.',
            },
            index: {
              type: 'integer',
              description: '`storage-corrupt`: the index of the corrupt entry.',
            },
          },
        },
        Receipt: receiptViewSchema({ $ref: '#/components/schemas/Record' }),
        Bundle: recordsSchema('bundle.v2.json'),
      },
    },
    paths: {
      '/v1/records': {
        post: {
          summary: 'Attest one output',
          description:
            'Returns the receipt once the record is durably sequenced. `?wait=proof` (or header `Proofline-Wait: proof`) ' +
            'holds the response until a checkpoint covers the record and returns the proof bundle instead (202 with the receipt if none arrives in time). ' +
            'The same `Idempotency-Key` with the same body returns the same receipt; with another body, 409.',
          security: bearer,
          parameters: [
            logParam,
            { name: 'wait', in: 'query', schema: { enum: ['proof'] } },
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Statement' } } },
          },
          responses: {
            '201': {
              description: 'Sequenced',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Receipt' } } },
            },
            '200': { description: 'Idempotent replay of an earlier request' },
            '202': { description: 'Sequenced; no checkpoint covered it within the wait' },
            '409': problemResponse('Idempotency-Key reused with a different body.'),
            ...errors,
          },
        },
        get: {
          summary: 'Look up by digest, or list by time range and filters',
          security: bearer,
          parameters: [
            logParam,
            { name: 'digest', in: 'query', schema: { type: 'string' } },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'type', in: 'query', schema: { type: 'string' } },
            { name: 'label', in: 'query', description: 'key:value', schema: { type: 'string' } },
            { name: 'control', in: 'query', schema: { type: 'string' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
          ],
          responses: { '200': { description: 'Records (listing pages carry `next`)' }, ...errors },
        },
      },
      '/v1/records/batch': {
        post: {
          summary: 'Attest up to 1000 outputs, all or nothing',
          security: bearer,
          parameters: [
            logParam,
            { name: 'wait', in: 'query', schema: { enum: ['proof'] } },
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string' } },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['records'],
                  additionalProperties: false,
                  properties: {
                    records: {
                      type: 'array',
                      minItems: 1,
                      maxItems: 1000,
                      items: { $ref: '#/components/schemas/Statement' },
                    },
                  },
                },
              },
            },
          },
          responses: {
            '201': {
              description:
                'As the Accept header asks. `application/json` (the default): the receipts ' +
                'in request order; the records of a batch share one batch receipt note (with ' +
                'any others committed with them), each carries its own receiptProof. ' +
                `\`${BATCH_V2_MEDIA_TYPE}\` (version 2, what @proofline/client asks for): ` +
                "the compact answer: the commit's one receipt, the records' tenant and time, " +
                'a range proof and each record’s id and index, from which the client rebuilds ' +
                'every receipt exactly (records expandCompactBatch); about 40 B per record ' +
                'instead of about 1.5 KB. With `?wait=proof`, bundles either way (202: the ' +
                'answer asked for).',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['receipts'],
                    properties: {
                      receipts: { type: 'array', items: { $ref: '#/components/schemas/Receipt' } },
                    },
                  },
                },
                [BATCH_V2_MEDIA_TYPE]: { schema: compactBatchSchema() },
              },
            },
            ...errors,
          },
        },
      },
      '/v1/records/{id}': {
        get: {
          summary: "A record and its receipt (the key's own tenant only)",
          security: bearer,
          parameters: [idParam],
          responses: {
            '200': {
              description: 'Receipt',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Receipt' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/records/{id}/proof': {
        get: {
          summary: 'The proof bundle (JSON) or C2SP tlog-proof text',
          description:
            "Public for a public log. For a private log: an API key of the log's tenant with records:read " +
            "or audit:read, or the record's share link token in the Proofline-Share header; otherwise 401, " +
            'the same whether the record exists or not (another tenant’s key: 404, as for a missing record).',
          parameters: [
            idParam,
            { name: 'format', in: 'query', schema: { enum: ['json', 'tlog-proof'] } },
            shareParam,
          ],
          responses: {
            '200': {
              description:
                'Proof against the first checkpoint that covered the record (the anchor), linked to the latest by a consistency proof; ' +
                '`format=tlog-proof`: the entry, inclusion proof and anchor checkpoint as a C2SP tlog-proof',
              content: {
                'application/vnd.proofline.bundle.v2+json': {
                  schema: { $ref: '#/components/schemas/Bundle' },
                },
                'text/plain': { schema: { type: 'string' } },
              },
            },
            '401': problemResponse(
              'A private log’s record, without a key of its tenant or a share link.',
            ),
            '404': problemResponse(
              'Unknown record, or not yet covered by a checkpoint (see Retry-After).',
            ),
          },
        },
      },
      ...scittPaths({ idParam, shareParam, logParam, bearer, problemResponse }),
      '/v1/records/{id}/shares': {
        post: {
          summary: 'Make a share link of a record of a private log (scope records:write)',
          description:
            'Body (optional): {"expiresInSeconds": N}. The answer holds the token and the URL ' +
            '(<server>/r/<id>#t=<token>), shown only here: the server keeps the SHA-256 of its secret.',
          security: bearer,
          parameters: [idParam],
          responses: {
            '201': { description: 'The link, its token and URL' },
            ...errors,
          },
        },
        get: {
          summary: "A record's share links, without tokens (scope records:read)",
          security: bearer,
          parameters: [idParam],
          responses: { '200': { description: '{"shares": [...]}' }, ...errors },
        },
        delete: {
          summary: 'Revoke every share link of a record (scope records:write)',
          security: bearer,
          parameters: [idParam],
          responses: { '200': { description: '{"revoked": N}' }, ...errors },
        },
      },
      '/v1/shares/{shareId}': {
        delete: {
          summary: 'Revoke one share link (scope records:write)',
          security: bearer,
          parameters: [
            {
              name: 'shareId',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[0-9a-f]{16}$' },
            },
          ],
          responses: { '200': { description: '{"revoked": 1 or 0}' }, ...errors },
        },
      },
      '/v1/records/{id}/erasure': {
        post: {
          summary:
            "Erase a record's bytes from its private log, logging a signed proofline.erasure record (scope admin)",
          security: bearer,
          parameters: [idParam],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['reason'],
                  properties: { reason: { type: 'string', minLength: 1, maxLength: 512 } },
                },
              },
            },
          },
          responses: {
            '200': {
              description:
                'Erased (or already erased): `{ id, index, leafHash, erasedNow, erasure }`, `erasure` being the erasure record’s receipt view',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/logs/{name}/erasures': {
        post: {
          summary:
            'Retention: erase the records of a private log sequenced before a time, up to 1000 per call (scope admin)',
          security: bearer,
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['before', 'reason'],
                  properties: {
                    before: { type: 'string', format: 'date-time' },
                    reason: { type: 'string' },
                    dryRun: { type: 'boolean' },
                    limit: { type: 'integer', minimum: 1, maximum: 1000 },
                  },
                },
              },
            },
          },
          responses: {
            '200': {
              description:
                '`{ ids, more }`: the records erased (or due, with dryRun), and whether older ones remain',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
            ...errors,
          },
        },
      },
      '/v1/audit/population': {
        get: {
          summary: "A period's population with its completeness proof (scope audit:read)",
          description:
            'Records sequenced in [from, to) (log time), optionally filtered. format=jsonl streams the proof as ' +
            'line 1, one line per entry of the segment, then a trailer; format=csv streams rows (proof at ' +
            '/v1/audit/population/proof); format=json pages with limit and cursor. See docs/evidence.md.',
          security: bearer,
          parameters: [
            logParam,
            {
              name: 'from',
              in: 'query',
              required: true,
              schema: { type: 'string', format: 'date-time' },
            },
            {
              name: 'to',
              in: 'query',
              required: true,
              schema: { type: 'string', format: 'date-time' },
            },
            { name: 'type', in: 'query', schema: { type: 'string' } },
            { name: 'control', in: 'query', schema: { type: 'string' } },
            { name: 'label', in: 'query', description: 'key:value', schema: { type: 'string' } },
            { name: 'format', in: 'query', schema: { enum: ['json', 'jsonl', 'csv'] } },
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description:
                'The population (application/vnd.proofline.population.v1+jsonl, text/csv or JSON)',
            },
            '409': problemResponse(
              'No checkpoint covers the end of the period yet (period-not-closed).',
            ),
            ...errors,
          },
        },
      },
      '/v1/audit/population/proof': {
        get: {
          summary:
            "The completeness proof of a period's population (application/vnd.proofline.population-proof.v1+json)",
          security: bearer,
          parameters: [logParam],
          responses: {
            '200': {
              description: 'Bounding checkpoints, boundary entries, range and consistency proofs',
            },
            ...errors,
          },
        },
      },
      '/v1/audit/controls': {
        get: {
          summary: 'Per-control record counts of a period (scope audit:read)',
          security: bearer,
          parameters: [logParam],
          responses: {
            '200': { description: 'Counts by control id, with titles from the catalogue' },
            ...errors,
          },
        },
      },
      '/v1/audit/bundles': {
        get: {
          summary:
            'Proof bundles of several records, each anchored to the first checkpoint covering it and linked (latest) to one published checkpoint (scope audit:read)',
          security: bearer,
          parameters: [
            logParam,
            { name: 'size', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } },
            {
              name: 'indices',
              in: 'query',
              required: true,
              description: 'comma-separated, at most 256',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': { description: 'Bundles' },
            ...errors,
            '404': problemResponse(
              'Unknown log, or no published checkpoint of that size (checkpoint-not-found).',
            ),
          },
        },
      },
      '/v1/lookup': {
        get: {
          summary: 'Public lookup of published records by digest, across logs',
          description:
            "Searches every public log; with an API key (records:read or audit:read) also its tenant's " +
            'private logs. Without one, private logs are never searched.',
          parameters: [{ name: 'digest', in: 'query', required: true, schema: { type: 'string' } }],
          responses: {
            '200': { description: '{"records": [{"id", "log", "index"}]} (at most 100)' },
            '400': problemResponse('Bad digest.'),
            '401': problemResponse('An invalid or revoked API key was sent.'),
          },
        },
      },
      '/logs/{name}/checkpoint': {
        get: {
          summary: 'C2SP signed checkpoint',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'text/plain; charset=utf-8' } },
        },
      },
    },
  };
}
