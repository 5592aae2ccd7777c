import type { Command, FlagSpec } from '../cli/command.js';
import { TARGET_FLAGS, targetOf } from '../cli/target.js';

const TENANT: FlagSpec = {
  name: 'tenant',
  type: 'string',
  value: 'NAME',
  required: true,
  help: 'the tenant (it must own a log: see create-log)',
};

export const apiKey: Command = {
  name: 'api-key',
  summary: 'create, list or revoke API keys (scopes: records:write records:read audit:read admin)',
  subcommands: [
    {
      name: 'create',
      summary:
        'create an API key for a tenant that owns a log; prints it once (only its hash is stored)',
      flags: [
        ...TARGET_FLAGS,
        TENANT,
        {
          name: 'scope',
          type: 'string',
          value: 'SCOPE',
          repeatable: true,
          help: 'records:write, records:read, audit:read or admin (at least one)',
        },
        {
          name: 'description',
          type: 'string',
          value: 'TEXT',
          default: '',
          help: 'a note for the operator',
        },
        {
          name: 'rate-limit',
          type: 'integer',
          value: 'N',
          default: 0,
          max: 10_000_000,
          help: "requests per minute for this key (0: the server's default)",
        },
      ],
      writes: 'the API key (its hash) into the database',
      async run(a) {
        const target = targetOf(a);
        const { apiKeyCreate } = await import('../commands/access.js');
        await apiKeyCreate({
          target,
          tenant: a.required('tenant'),
          scopes: a.list('scope'),
          description: a.required('description'),
          rateLimit: a.integer('rate-limit')!,
        });
        return 0;
      },
    },
    {
      name: 'list',
      summary: 'list API keys: id, tenant, scopes, state, created, description (tab-separated)',
      flags: [...TARGET_FLAGS, { ...TENANT, required: false, help: "only this tenant's keys" }],
      async run(a) {
        const target = targetOf(a);
        const { apiKeyList } = await import('../commands/access.js');
        await apiKeyList({ target, tenant: a.string('tenant') });
        return 0;
      },
    },
    {
      name: 'revoke',
      summary: 'revoke an API key (running servers stop accepting it within 2 seconds)',
      flags: [
        ...TARGET_FLAGS,
        { name: 'id', type: 'string', value: 'ID', required: true, help: 'the key id (from list)' },
      ],
      writes: "the key's revocation time into the database",
      async run(a) {
        const target = targetOf(a);
        const { apiKeyRevoke } = await import('../commands/access.js');
        await apiKeyRevoke({ target, id: a.required('id') });
        return 0;
      },
    },
  ],
};

const ISSUER_KEY: FlagSpec = {
  name: 'key',
  type: 'string',
  value: 'KEY',
  help: 'an Ed25519 verifier key, or a COSE issuer key line (cose:...) as add and list print it',
};

const COSE_KEY_FLAGS: readonly FlagSpec[] = [
  {
    name: 'cose-key',
    type: 'string',
    value: 'FILE',
    help: 'a SCITT issuer key: a PEM PUBLIC KEY or a CBOR COSE_Key file (Ed25519 or P-256)',
  },
  {
    name: 'kid',
    type: 'string',
    value: 'HEX',
    help: "with --cose-key: the kid its signed statements name (default: the COSE_Key's kid, else its RFC 9679 thumbprint)",
  },
  {
    name: 'iss',
    type: 'string',
    value: 'TEXT',
    help: 'with --cose-key: accept only statements whose CWT iss is TEXT (default: any issuer)',
  },
];

function issuerAction(
  action: 'add' | 'revoke' | 'list',
  summary: string,
  writes?: string,
): Command {
  const flags =
    action === 'list' ? [] : action === 'add' ? [ISSUER_KEY, ...COSE_KEY_FLAGS] : [ISSUER_KEY];
  return {
    name: action,
    summary,
    flags: [...TARGET_FLAGS, TENANT, ...flags],
    ...(writes === undefined ? {} : { writes }),
    async run(a) {
      const target = targetOf(a);
      const { issuerKey } = await import('../commands/access.js');
      await issuerKey({
        target,
        action,
        tenant: a.required('tenant'),
        key: a.string('key'),
        ...(action === 'add'
          ? { coseKey: a.string('cose-key'), kid: a.string('kid'), iss: a.string('iss') }
          : {}),
      });
      return 0;
    },
  };
}

export const issuerKey: Command = {
  name: 'issuer-key',
  summary: "add, list or revoke the keys whose issuer signatures a tenant's records may carry",
  subcommands: [
    issuerAction(
      'add',
      'trust an issuer key for the tenant (a --cose-key is printed as stored)',
      'the issuer key into the database',
    ),
    issuerAction('list', "print the tenant's active issuer keys"),
    issuerAction(
      'revoke',
      'stop trusting an issuer key',
      "the key's revocation time into the database",
    ),
  ],
};
