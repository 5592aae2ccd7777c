/**
 * The published packages work without the repository: the workspaces the verifying commands
 * need are packed with `npm pack`, installed offline into an empty folder without the optional
 * (server) dependencies, and the installed `proofline` verifies a proof bundle and an evidence
 * package made by a real server, refuses a bundle under another log's key, and names the
 * package to install for a command that needs the server. The installed tree holds no HTTP
 * server, database driver or native addon.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installOffline, packWorkspaces } from './lib/pack-install.js';
import {
  REPO_ROOT,
  runProofline,
  startServer,
  stopServer,
  tempDir,
  waitForSize,
  type Server,
} from './lib/proofline.js';

/** What `npm install --omit=optional @proofline/cli` needs: the CLI and the verifiers. */
const LIGHT = [
  'tlog',
  'note',
  'cose',
  'records',
  'timestamp',
  'verify',
  'client',
  'evidence',
  'pkcs11',
];

/** Packages the light install must not contain. */
const HEAVY = new Set(['fastify', 'pg', 'better-sqlite3', 'pkcs11js', 'server', 'sequencer']);

/** Runs the installed `proofline` through npx, which must not install anything. */
function installed(project: string, args: string[]) {
  const r = spawnSync('npx', ['--no-install', 'proofline', ...args], {
    cwd: project,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Manifest {
  version: string;
  private?: boolean;
  description?: string;
  license?: string;
  repository?: unknown;
  engines?: { node?: string };
  types?: string;
  bin?: Record<string, string>;
  files?: string[];
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  workspaces?: string[];
}

const manifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')) as Manifest;

/** Every package directory under `dir` (node_modules trees, scoped and nested). */
function packageNames(dir: string): string[] {
  const names: string[] = [];
  const walk = (modules: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(modules);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue;
      const dirs = name.startsWith('@')
        ? readdirSync(join(modules, name)).map((n) => [`${name}/${n}`, n])
        : [[name, name]];
      for (const [full, short] of dirs) {
        names.push(full!, short!);
        walk(join(modules, full!, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return names;
}

describe('the published package.json files', () => {
  it('name shipped files in exports, types and bin; ship no tests or build state', () => {
    const root = manifest('.');
    const dirs = root.workspaces!;
    const published = dirs.filter((d) => manifest(d).private !== true);
    for (const w of [...LIGHT, 'cli']) assert.ok(published.includes(`packages/${w}`), w);
    const packed = packWorkspaces(published.map((d) => d.slice('packages/'.length)));
    assert.equal(packed.length, published.length);
    for (const p of packed) {
      const m = manifest(`packages/${p.name.slice('@proofline/'.length)}`);
      const files = p.files.map((f) => f.path);
      const ships = (target: string): boolean => {
        const path = target.replace(/^\.\//, '');
        const star = path.indexOf('*');
        return star < 0
          ? files.includes(path)
          : files.some((f) => f.startsWith(path.slice(0, star)));
      };
      assert.equal(p.version, root.version, `${p.name}: all packages share one version`);
      assert.ok(m.description && m.license && m.repository && m.engines?.node, p.name);
      assert.ok(files.includes('README.md'), `${p.name} ships its README`);
      const bad = files.filter((f) => /^(dist\/test|test|src)\/|tsbuildinfo$/.test(f));
      assert.deepEqual(bad, [], `${p.name} ships tests, sources or build state`);
      const targets = [m.types ?? '', ...Object.values(m.bin ?? {})].filter((t) => t !== '');
      for (const [subpath, target] of Object.entries(m.exports ?? {})) {
        if (typeof target === 'string') {
          targets.push(target);
          continue;
        }
        assert.ok(target.types && target.import, `${p.name} ${subpath}: types and import`);
        targets.push(...Object.values(target));
      }
      assert.ok(targets.length > 0, p.name);
      // Every `files` entry ships something: e.g. evidence's dist/verify.html is built.
      for (const entry of (m.files ?? []).filter((f) => !f.startsWith('!'))) {
        assert.ok(
          files.some((f) => f === entry || f.startsWith(`${entry}/`)),
          `${p.name}: nothing shipped from ${entry} (not built?)`,
        );
      }
      for (const target of targets) assert.ok(ships(target), `${p.name} does not ship ${target}`);
      const deps = { ...m.dependencies, ...m.optionalDependencies, ...m.peerDependencies };
      for (const [name, spec] of Object.entries(deps)) {
        assert.doesNotMatch(spec, /^(file|link|workspace):/, `${p.name} → ${name}`);
        if (name.startsWith('@proofline/')) assert.equal(spec, root.version, `${p.name} → ${name}`);
      }
    }
  });
});

describe('packages installed from their tarballs, without the repository', () => {
  let project: string;
  let work: string;
  let data: string;
  let server: Server;
  let vkey: string;
  let apiKey: string;

  before(async () => {
    work = tempDir('pack');
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const packed = packWorkspaces([...LIGHT, 'cli'], packs);
    project = join(work, 'project');
    installOffline(packed, packs, project);

    data = join(work, 'data');
    assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', data]).status, 0);
    vkey = runProofline(['log-key', '--data', data]).stdout.trim();
    apiKey = runProofline([
      ...['api-key', 'create', '--data', data, '--tenant', 'default'],
      ...['--scope', 'records:write', '--scope', 'records:read', '--scope', 'audit:read'],
    ]).stdout.trim();
    server = await startServer(data, ['--checkpoint-interval', '50']);
  });

  after(async () => {
    if (server) await stopServer(server);
  });

  it('holds no HTTP server, database driver or native addon', () => {
    const names = packageNames(project);
    assert.ok(names.includes('@proofline/verify') && names.includes('@proofline/cli'));
    assert.deepEqual(
      names.filter((n) => HEAVY.has(n)),
      [],
    );
    assert.equal(installed(project, ['--version']).stdout, 'proofline 0.1.0\n');
  });

  it('the libraries load by their exports, in Node and in TypeScript (types)', () => {
    const consumer = [
      "import { verifyBundle, verifyTlogProof } from '@proofline/verify';",
      "import { ProoflineClient } from '@proofline/client';",
      "import { digestFile } from '@proofline/client/node';",
      'const loaded: Function[] = [verifyBundle, verifyTlogProof, ProoflineClient, digestFile];',
      "console.log(loaded.map((f) => typeof f).join(' '));",
    ].join('\n');
    writeFileSync(join(project, 'consumer.ts'), consumer);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', strict: true, skipLibCheck: true, types: [] },
        files: ['consumer.ts'],
      }),
    );
    // The compiler is a tool, not a dependency of the installed packages.
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const compiled = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
    assert.equal(compiled.status, 0, compiled.stdout + compiled.stderr);
    const ran = spawnSync(process.execPath, ['consumer.js'], { cwd: project, encoding: 'utf8' });
    assert.equal(ran.status, 0, ran.stderr);
    assert.equal(ran.stdout, 'function function function function\n');
  });

  it('verifies a proof bundle and an evidence package made by a real server', async () => {
    const file = join(work, 'decision.txt');
    writeFileSync(file, 'an output worth keeping\n');
    const out = join(work, 'proofs');
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const attest = runProofline([
      ...['attest', file, '--url', server.url, '--api-key', apiKey, '--log-key', vkey],
      ...['--type', 'test.decision', '--wait', '--out', out],
    ]);
    assert.equal(attest.status, 0, attest.stderr);
    const bundle = join(out, 'default-0.bundle.json');

    const verified = installed(project, ['verify', bundle, '--log-key', vkey, '--file', file]);
    assert.equal(verified.status, 0, verified.stderr);
    assert.match(verified.stdout, /^VERIFIED record 0 of /m);

    await new Promise((r) => setTimeout(r, 20));
    const to = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    // A record after the period, so that a checkpoint published after its end covers it.
    const later = runProofline(
      ['attest', '-', '--url', server.url, '--api-key', apiKey, '--log-key', vkey, '--type', 't'],
      'later',
    );
    assert.equal(later.status, 0, later.stderr);
    await waitForSize(server.url, 2);
    const zip = join(work, 'evidence.zip');
    const exported = runProofline([
      ...['evidence', '--url', server.url, '--api-key', apiKey, '--log-key', vkey],
      ...['--from', from, '--to', to, '--all', '--out', zip],
    ]);
    assert.equal(exported.status, 0, exported.stderr);

    const evidence = installed(project, ['verify-evidence', zip, '--log-key', vkey]);
    assert.equal(evidence.status, 0, evidence.stderr);
    assert.match(evidence.stdout, /^VERIFIED \S*evidence\.zip/m);

    // The other verifying commands run too, against the live log.
    const log = `${server.url}/logs/default/`;
    const audit = installed(project, ['audit', log, '--log-key', vkey]);
    assert.equal(audit.status, 0, audit.stderr);
    const state = join(work, 'monitor.state');
    const monitor = installed(project, [
      'monitor',
      log,
      '--log-key',
      vkey,
      '--state',
      state,
      '--once',
    ]);
    assert.equal(monitor.status, 0, monitor.stderr);
    const listing = join(work, 'population.jsonl');
    const population = installed(project, [
      ...['population', '--url', server.url, '--api-key', apiKey, '--log-key', vkey],
      ...['--from', from, '--to', to, '--out', listing],
    ]);
    assert.equal(population.status, 0, population.stderr);
    const sample = installed(project, ['sample', '--population', listing, '--size', '1']);
    assert.equal(sample.status, 0, sample.stderr);
    assert.match(sample.stdout, /default-0/);

    // A suspicious auditor: the same bundle under another log's key is not verified.
    const other = join(work, 'other');
    assert.equal(runProofline(['create-log', '--visibility', 'public', '--data', other]).status, 0);
    const otherKey = runProofline(['log-key', '--data', other]).stdout.trim();
    const refused = installed(project, ['verify', bundle, '--log-key', otherKey]);
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /NOT VERIFIED/);
    const refusedEvidence = installed(project, ['verify-evidence', zip, '--log-key', otherKey]);
    assert.equal(refusedEvidence.status, 1);
    assert.match(refusedEvidence.stdout, /NOT VERIFIED/);
  });

  it('a command that needs the server names the package to install', () => {
    const r = installed(project, ['serve', '--data', join(work, 'serve'), '--port', '0']);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^proofline serve needs @proofline\/[a-z-]+, which is not installed .*: npm install @proofline\/[a-z-]+@0\.1\.0$/m,
    );
  });
});
