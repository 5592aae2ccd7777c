/** What the OpenAPI document (../openapi.ts) lends the SCITT paths. */
export interface OpenApiParts {
  readonly idParam: object;
  readonly shareParam: object;
  readonly logParam: object;
  readonly bearer: readonly object[];
  /** An RFC 9457 JSON problem response. */
  readonly problemResponse: (description: string) => object;
}

const binary = { schema: { type: 'string', format: 'binary' } };

/**
 * An error response of a SCRAPI resource: RFC 9290 concise problem details (a CBOR map:
 * -1 title, -2 detail, and under the key "https://proofline.dev/problems" a map with the
 * JSON problem's code, status and extension members), or the JSON problem when Accept
 * prefers application/problem+json or application/json.
 */
function conciseResponse(description: string, json: OpenApiParts['problemResponse']) {
  const { content } = json(description) as { content: Record<string, unknown> };
  return {
    description,
    content: { 'application/concise-problem-details+cbor': binary, ...content },
  };
}

/** GET of a record's RFC 9942 receipt, with its errors as `problem` makes them. */
function coseReceiptRoute(
  summary: string,
  parts: OpenApiParts,
  problem: (description: string) => object,
) {
  return {
    get: {
      summary,
      description:
        'The record at the latest checkpoint: that checkpoint\u2019s stored root signature (a COSE_Sign1 by the ' +
        'log key over the tree root, made once when the checkpoint was signed) with the record\u2019s inclusion ' +
        'proof in its unprotected header (vdp 396). The leaf is the RFC 9162 leaf hash of the record\u2019s entry ' +
        'bytes, the leaf of its proof bundle. Access as for the proof bundle. See docs/scitt.md.',
      parameters: [parts.idParam, parts.shareParam],
      responses: {
        '200': {
          description:
            'The receipt; application/scitt-receipt+cose (RFC 9943) when Accept names it, else application/cose.',
          content: { 'application/cose': binary, 'application/scitt-receipt+cose': binary },
        },
        '401': problem('A private log’s record, without a key of its tenant or a share link.'),
        '404': problem(
          'Unknown record, or not yet covered by a checkpoint with a root signature (see Retry-After).',
        ),
        '410': problem('The record was erased.'),
      },
    },
  };
}

/** The SCITT paths (docs/scitt.md): receipts, registration, keys, the old configuration. */
export function scittPaths(parts: OpenApiParts): Record<string, object> {
  const concise = (description: string) => conciseResponse(description, parts.problemResponse);
  return {
    '/v1/records/{id}/receipt.cose': coseReceiptRoute(
      'The RFC 9942 COSE receipt of a record',
      parts,
      parts.problemResponse,
    ),
    '/entries': {
      post: {
        summary: 'SCRAPI Register Signed Statement (scope records:write)',
        description:
          'Registers a COSE_Sign1 signed statement (RFC 9943; EdDSA or ES256; protected kid and CWT claims ' +
          'iss and sub; attached payload) signed by an active COSE issuer key of the tenant as a record of ' +
          'type scitt.signed-statement, through the same durable path as POST /v1/records. A statement ' +
          'already registered in the log (same registered form) is answered with its entry, 200. Waits ' +
          'about 2 s for a checkpoint; without one, 303 to the entry. See docs/scitt.md.',
        security: parts.bearer,
        parameters: [parts.logParam],
        requestBody: {
          required: true,
          content: { 'application/cose': binary, 'application/scitt-statement+cose': binary },
        },
        responses: {
          '201': {
            description:
              'Registered; Location: /entries/{id}. The receipt (application/cose, or application/scitt-receipt+cose ' +
              'when Accept names it), or the transparent statement with it (application/scitt-statement+cose, ' +
              'when Accept names that).',
            content: {
              'application/cose': binary,
              'application/scitt-receipt+cose': binary,
              'application/scitt-statement+cose': binary,
            },
          },
          '200': {
            description: 'Registered before (Idempotent-Replayed: true): as 201, for its entry.',
            content: {
              'application/cose': binary,
              'application/scitt-receipt+cose': binary,
              'application/scitt-statement+cose': binary,
            },
          },
          '303': {
            description:
              'Registered and durable, not yet checkpointed: Location /entries/{id}, Retry-After, no body.',
          },
          '400': concise(
            'Refused by the registration policy: invalid-signed-statement or invalid-issuer-signature ' +
              '(`field` says what failed).',
          ),
          '401': concise('Missing, invalid or revoked API key.'),
          '403': concise('The API key lacks records:write.'),
          '404': concise('Unknown log.'),
          '413': concise('The body exceeds 64 KiB.'),
          '415': concise('Not application/cose or application/scitt-statement+cose.'),
          '429': concise('Rate limit of the API key exceeded; see Retry-After.'),
          '503': concise('The log’s backlog is full, or the server is shutting down.'),
        },
      },
    },
    '/entries/{id}': coseReceiptRoute(
      'SCRAPI Resolve Receipt: the RFC 9942 receipt of a record (id as in /v1/records/{id})',
      parts,
      concise,
    ),
    '/.well-known/scitt-keys': {
      get: {
        summary: 'SCRAPI Transparency Service Keys: a COSE Key Set (RFC 9052 §7)',
        description:
          'Every log key, current and retired (key history), as an OKP Ed25519 COSE_Key with alg -8 and ' +
          'kid = its RFC 9679 thumbprint (bytes), the kid of the receipts it signs.',
        responses: {
          '200': { description: 'The COSE Key Set.', content: { 'application/cbor': binary } },
        },
      },
    },
    '/.well-known/scitt-keys/{kid}': {
      get: {
        summary: 'SCRAPI Individual Transparency Service Key: one COSE_Key by kid',
        parameters: [
          {
            name: 'kid',
            in: 'path',
            required: true,
            description: 'The kid, base64url without padding (43 characters).',
            schema: { type: 'string' },
          },
        ],
        responses: {
          '200': { description: 'The COSE_Key.', content: { 'application/cbor': binary } },
          '404': concise('No key of this service has that kid.'),
        },
      },
    },
    '/.well-known/transparency-configuration': {
      get: {
        summary: 'Transparency configuration of earlier SCRAPI drafts (compatibility resource)',
        description:
          'A CBOR map: issuer (the deployment URL), registration_endpoint, cose_keys_uri, ' +
          'supported_signature_algorithms. The current draft no longer defines it; clients ignore ' +
          'fields they do not understand.',
        responses: {
          '200': { description: 'The configuration.', content: { 'application/cbor': binary } },
        },
      },
    },
  };
}
