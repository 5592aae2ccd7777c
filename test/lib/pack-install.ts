/**
 * Packs workspaces with `npm pack` and installs the tarballs into an empty project with no
 * network: the project gets a package-lock.json naming the tarballs and, for every third-party
 * package they need, the version and integrity the repository's own lock file pins, so npm
 * takes them from its cache (filled by the repository's `npm ci`). Without that lock, npm
 * would ask the registry for each package's metadata, which `npm ci` never caches.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './proofline.js';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: Record<string, string>;
  [field: string]: unknown;
}

export interface Packed {
  name: string;
  version: string;
  filename: string;
  integrity: string;
  /** The tarball's files, paths relative to the package root. */
  files: { path: string }[];
}

const SCOPE = '@proofline/';

/** Runs npm with `args` in `cwd`; throws with its output unless it exits 0. */
export function npm(args: string[], cwd: string): string {
  const r = spawnSync('npm', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    throw new Error(`npm ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/**
 * `npm pack` of the workspaces (names without @proofline/) into `dest`, which must exist;
 * without `dest`, only what would be packed (`--dry-run`).
 */
export function packWorkspaces(workspaces: readonly string[], dest?: string): Packed[] {
  const where = dest === undefined ? ['--dry-run'] : ['--pack-destination', dest];
  const out = npm(
    ['pack', '--json', ...where, ...workspaces.flatMap((w) => ['-w', SCOPE + w])],
    REPO_ROOT,
  );
  return JSON.parse(out) as Packed[];
}

/** The lock path Node resolution reaches for `name` required from the package at `from`. */
function resolveIn(lock: Record<string, LockEntry>, from: string, name: string): string {
  let dir = from;
  for (;;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (dir === '') throw new Error(`${name} (needed by ${from || 'the root'}) is not in the lock`);
    const parent = dir.replace(/\/?node_modules\/(?:@[^/]+\/)?[^/]+$/, '');
    dir = parent === dir ? '' : parent;
  }
}

/**
 * The lock of a project whose dependencies are `packed` (tarballs in `packDir`, named
 * relative to `project`): the tarballs, and every non-optional third-party package they
 * need, at the place and version the repository's lock puts it (a package nested under
 * workspace W there is nested under @proofline/W here).
 */
function projectLock(packed: readonly Packed[], packDir: string): object {
  const repo = (
    JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    }
  ).packages;
  const packages: Record<string, LockEntry> = {};
  const root: Record<string, string> = {};
  const queue: [repoPath: string, path: string][] = [];
  for (const p of packed) {
    const workspace = `packages/${p.name.slice(SCOPE.length)}`;
    const manifest = repo[workspace]!;
    const resolved = `file:${join(packDir, p.filename)}`;
    root[p.name] = resolved;
    const path = `node_modules/${p.name}`;
    const { name: _name, devDependencies: _dev, ...entry } = manifest;
    packages[path] = { ...entry, resolved, integrity: p.integrity };
    queue.push([workspace, path]);
  }
  const placeOf = (repoPath: string): string => {
    const m = /^packages\/([^/]+)\/(.*)$/.exec(repoPath);
    return m ? `node_modules/${SCOPE}${m[1]}/${m[2]}` : repoPath;
  };
  while (queue.length > 0) {
    const [repoPath, path] = queue.shift()!;
    const entry = packages[path]!;
    const peers = Object.keys(entry.peerDependencies ?? {}).filter(
      (n) => entry.peerDependenciesMeta?.[n]?.optional !== true,
    );
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...peers]) {
      if (name.startsWith(SCOPE)) continue;
      const found = resolveIn(repo, repoPath, name);
      const place = placeOf(found);
      if (packages[place]) continue;
      const { dev: _d, optional: _o, devOptional: _do, peer: _p, ...copy } = repo[found]!;
      packages[place] = copy;
      queue.push([found, place]);
    }
  }
  return {
    name: 'pack-install',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'pack-install', dependencies: root }, ...packages },
  };
}

/**
 * Installs the packed tarballs into the empty folder `project` with `npm ci --offline
 * --omit=optional` (no registry access: a package missing from npm's cache fails the install).
 */
export function installOffline(packed: readonly Packed[], packDir: string, project: string) {
  mkdirSync(project, { recursive: true });
  const lock = projectLock(packed, packDir) as { packages: Record<string, LockEntry> };
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'pack-install',
      private: true,
      type: 'module',
      dependencies: lock.packages['']!.dependencies,
    }),
  );
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock, null, 2));
  npm(['install', '--offline', '--omit=optional', '--no-audit', '--no-fund'], project);
}
