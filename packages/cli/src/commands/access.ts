import { parseVerifierKey } from '@proofline/note';
import { isCoseIssuerKey, parseCoseIssuerKey } from '@proofline/records';
import { API_SCOPES, TENANT_NAME_PATTERN, type ApiScope } from '@proofline/storage';
// The subpath, not the barrel: the barrel loads fastify and every route (~300 ms of CPU).
import { generateApiKey } from '@proofline/server/auth';
import {
  DeploymentError,
  createLogHint,
  openDeployment,
  type Deployment,
  type Target,
} from '../deployment.js';
import { coseIssuerKeyFromFile } from './cose-issuer-key.js';

function checkTenant(tenant: string): void {
  if (!TENANT_NAME_PATTERN.test(tenant)) {
    throw new Error(`invalid tenant name ${JSON.stringify(tenant)}: use a-z, 0-9 and -`);
  }
}

/**
 * The names of the logs `tenant` owns; a DeploymentError NO_TENANT_LOG naming `create-log`
 * when it owns none (its keys and issuer keys would be useless, and a typo would go unseen).
 */
async function tenantLogs(deployment: Deployment, target: Target, tenant: string) {
  const logs = (await deployment.storage.listLogs()).filter((l) => l.tenant === tenant);
  if (logs.length === 0) {
    throw new DeploymentError(
      'NO_TENANT_LOG',
      `tenant ${tenant} owns no log; nothing was created. Create its log first: ${createLogHint(target, 'NAME', tenant)}`,
    );
  }
  return logs.map((l) => l.name);
}

/**
 * `proofline api-key create`: prints a new key once; only its hash is stored. Refuses a
 * tenant that owns no log; names the log its writes go to, or, with several, that writes
 * must name one.
 */
export async function apiKeyCreate(o: {
  target: Target;
  tenant: string;
  scopes: string[];
  description: string;
  rateLimit: number;
}): Promise<void> {
  checkTenant(o.tenant);
  if (o.scopes.length === 0)
    throw new Error(`give at least one --scope (${API_SCOPES.join(', ')})`);
  for (const scope of o.scopes) {
    if (!(API_SCOPES as readonly string[]).includes(scope)) {
      throw new Error(`unknown scope ${JSON.stringify(scope)}: use ${API_SCOPES.join(', ')}`);
    }
  }
  const deployment = await openDeployment(o.target, { existing: true });
  try {
    const logs = await tenantLogs(deployment, o.target, o.tenant);
    const now = Date.now();
    await deployment.access.ensureTenant(o.tenant, now);
    const { key, record } = generateApiKey(
      o.tenant,
      [...new Set(o.scopes)] as ApiScope[],
      o.description,
      o.rateLimit,
      now,
    );
    await deployment.access.createApiKey(record);
    process.stdout.write(`${key}\n`);
    process.stderr.write(
      `created key ${record.id} for tenant ${o.tenant} (${record.scopes.join(', ')}); it is shown only once\n` +
        (logs.length === 1
          ? `the tenant's log: ${logs[0]}\n`
          : `the tenant owns several logs (${logs.join(', ')}): name one on every call ` +
            `(attest --log NAME, or ?log=NAME in the API)\n`),
    );
  } finally {
    await deployment.close();
  }
}

export async function apiKeyList(o: { target: Target; tenant?: string }): Promise<void> {
  const deployment = await openDeployment(o.target, { existing: true });
  try {
    for (const k of await deployment.access.listApiKeys(o.tenant)) {
      const state =
        k.revokedAt === undefined ? 'active' : `revoked ${new Date(k.revokedAt).toISOString()}`;
      process.stdout.write(
        `${k.id}\t${k.tenant}\t${k.scopes.join(',')}\t${state}\t${new Date(k.createdAt).toISOString()}\t${k.description}\n`,
      );
    }
  } finally {
    await deployment.close();
  }
}

export async function apiKeyRevoke(o: { target: Target; id: string }): Promise<void> {
  const deployment = await openDeployment(o.target, { existing: true });
  try {
    if (!(await deployment.access.revokeApiKey(o.id, Date.now()))) {
      throw new Error(`no active API key ${JSON.stringify(o.id)}`);
    }
    process.stderr.write(`revoked ${o.id} (running servers stop accepting it within 2 seconds)\n`);
  } finally {
    await deployment.close();
  }
}

/**
 * `proofline issuer-key add|list|revoke`: the tenant's keys for issuer signatures, Ed25519
 * note verifier keys (`--key`) and COSE issuer keys of SCITT signed statements (`cose:...`,
 * added from a key file with `--cose-key FILE [--kid HEX] [--iss TEXT]`, revoked by the line
 * `add` and `list` print). Every key is parsed before anything is written.
 */
export async function issuerKey(o: {
  target: Target;
  action: 'add' | 'list' | 'revoke';
  tenant: string;
  key?: string | undefined;
  coseKey?: string | undefined;
  kid?: string | undefined;
  iss?: string | undefined;
}): Promise<void> {
  checkTenant(o.tenant);
  const key = o.action === 'list' ? undefined : issuerKeyText(o);
  const deployment = await openDeployment(o.target, { existing: true });
  try {
    const access = deployment.access;
    if (key === undefined) {
      for (const k of await access.listIssuerKeys(o.tenant)) process.stdout.write(`${k}\n`);
      return;
    }
    if (o.action === 'add') {
      await tenantLogs(deployment, o.target, o.tenant);
      await access.ensureTenant(o.tenant, Date.now());
      await access.addIssuerKey(o.tenant, key, Date.now());
      if (o.coseKey !== undefined) process.stdout.write(`${key}\n`);
    } else if (!(await access.revokeIssuerKey(o.tenant, key, Date.now()))) {
      throw new Error('no such active issuer key');
    }
  } finally {
    await deployment.close();
  }
}

/** The checked issuer-key line of an add or revoke (see issuerKey). */
function issuerKeyText(o: {
  action: 'add' | 'list' | 'revoke';
  key?: string | undefined;
  coseKey?: string | undefined;
  kid?: string | undefined;
  iss?: string | undefined;
}): string {
  if (o.coseKey !== undefined) {
    if (o.action !== 'add') throw new Error('--cose-key is for add; revoke takes --key cose:...');
    if (o.key !== undefined) throw new Error('give --key or --cose-key, not both');
    return coseIssuerKeyFromFile(o.coseKey, o.kid, o.iss);
  }
  if (o.kid !== undefined || o.iss !== undefined) {
    throw new Error('--kid and --iss go with --cose-key FILE');
  }
  if (!o.key) throw new Error('--key VERIFIER_KEY (or, to add, --cose-key FILE) is required');
  if (isCoseIssuerKey(o.key)) parseCoseIssuerKey(o.key);
  else parseVerifierKey(o.key); // refuse anything that is not an Ed25519 verifier key
  return o.key;
}
