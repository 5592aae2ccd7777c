import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

/**
 * The layering of the workspaces (eslint/layers.json, rule proofline/layers in
 * eslint/layers.js), linted with the project's own eslint.config.js: an upward or sideways
 * import in any form fails, an allowed one passes, and package.json / tsconfig agree with
 * the graph.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });
const LAYERS = (
  JSON.parse(readFileSync(join(ROOT, 'eslint/layers.json'), 'utf8')) as {
    layers: Record<string, string[]>;
  }
).layers;

/** The proofline/layers messages for `code` as if it were the file `path` of the repo. */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === 'proofline/layers').map((m) => m.message);
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;
}

const WORKSPACES = (readJson('package.json').workspaces as string[]).map((w) =>
  w.replace(/^packages\//, ''),
);

describe('layers: the lint rule', () => {
  it('the sources of every workspace keep to the graph', async () => {
    const results = await eslint.lintFiles(['packages/*/src/**/*.ts', 'packages/*/src/**/*.tsx']);
    const errors = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'proofline/layers')
        .map((m) => `${r.filePath}:${m.line} ${m.message}`),
    );
    assert.deepEqual(errors, []);
    assert.ok(results.length > 100, 'the sources were linted');
  });

  it('fails an upward import in every form a module can name another', async () => {
    const forms = [
      "import { Sequencer } from '@proofline/server';",
      "import type { Sequencer } from '@proofline/server';",
      "export { Sequencer } from '@proofline/server';",
      "export * from '@proofline/server';",
      "export type * as s from '@proofline/server';",
      "export const m = import('@proofline/server');",
      'export const m = import(`@proofline/server`);',
      "export type M = typeof import('@proofline/server');",
      "export type S = import('@proofline/server').Sequencer;",
      "import s = require('@proofline/server');\nexport const t = s;",
      "export const m = require('@proofline/server');",
    ];
    for (const code of forms) {
      const errors = await layerErrors('packages/records/src/probe.ts', code);
      assert.equal(errors.length, 1, code);
      assert.match(errors[0]!, /@proofline\/records may not import @proofline\/server/, code);
    }
  });

  it('fails the breaks of issue 17: sideways to evidence, upward to sequencer or timestamp', async () => {
    const cases: [string, string][] = [
      ['server', "import { coveringNodes } from '@proofline/evidence/rangeproof';"],
      ['server', "import { csvRow } from '@proofline/evidence/population';"],
      ['sequencer', "const { requestTimestamp } = await import('@proofline/timestamp');"],
      ['client', "import { Sequencer } from '@proofline/sequencer';"],
      ['tlog', "import { parseNote } from '@proofline/note';"],
      ['verify', "import { Storage } from '@proofline/storage';"],
      ['web', "import { serve } from '@proofline/cli';"],
      ['storage-sqlite', "import { PgStorage } from '@proofline/storage-postgres';"],
      ['evidence', "import { Sequencer } from '@proofline/sequencer';"],
    ];
    for (const [from, code] of cases) {
      const errors = await layerErrors(`packages/${from}/src/probe.ts`, `${code}\nexport {};`);
      assert.equal(errors.length, 1, `${from}: ${code}`);
      assert.match(errors[0]!, new RegExp(`^@proofline/${from} may not import`), code);
    }
  });

  it('fails a relative path out of the package, an unknown workspace, a computed import()', async () => {
    const at = 'packages/records/src/sub/probe.ts';
    assert.match(
      (await layerErrors(at, "export * from '../../../server/src/index.js';"))[0] ?? '',
      /leaves packages\/records/,
    );
    assert.match(
      (await layerErrors(at, "export * from '@proofline/nope';"))[0] ?? '',
      /not a workspace/,
    );
    assert.match(
      (
        await layerErrors(at, "const n = 'server'; export const m = import(`@proofline/${n}`);")
      )[0] ?? '',
      /computed specifier/,
    );
  });

  it('passes allowed imports, the composition root, and tests', async () => {
    const ok: [string, string][] = [
      [
        'packages/records/src/sub/probe.ts',
        "export * from '@proofline/note';\nexport * from '../x.js';",
      ],
      ['packages/server/src/probe.ts', "export * from '@proofline/tlog/node';"],
      ['packages/server/src/probe.ts', "export * from '@proofline/sequencer';"],
      ['packages/verify/src/probe.ts', "export const t = import('@proofline/timestamp');"],
      ['packages/records/src/probe.ts', "export * from '@proofline/records';"],
      ['packages/cli/src/probe.ts', "export * from '@proofline/server';"],
      ['packages/cli/src/probe.ts', "export const e = import('@proofline/evidence');"],
      ['packages/client/test/probe.ts', "export * from '@proofline/server';"],
      ['packages/tlog/test/probe.ts', "export * from '@proofline/storage-sqlite';"],
      ['test/probe.ts', "export * from '@proofline/cli';"],
      ['packages/sequencer/src/probe.ts', "export * from 'node:crypto';"],
    ];
    for (const [path, code] of ok) assert.deepEqual(await layerErrors(path, code), [], path);
  });
});

describe('layers: the graph', () => {
  it('places every workspace, and only workspaces', () => {
    assert.deepEqual(Object.keys(LAYERS).sort(), [...WORKSPACES].sort());
    for (const [from, deps] of Object.entries(LAYERS)) {
      for (const to of deps) assert.ok(to === '*' || LAYERS[to], `${from} → unknown ${to}`);
    }
  });

  it('is acyclic (the composition root aside)', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (name: string, path: string[]): void => {
      if (state.get(name) === 'done') return;
      assert.notEqual(state.get(name), 'visiting', `cycle: ${[...path, name].join(' → ')}`);
      state.set(name, 'visiting');
      for (const to of LAYERS[name]!) if (to !== '*') visit(to, [...path, name]);
      state.set(name, 'done');
    };
    for (const name of Object.keys(LAYERS)) visit(name, []);
  });

  it('package.json dependencies are allowed; other workspaces only as devDependencies', () => {
    for (const name of WORKSPACES) {
      const pkg = readJson(`packages/${name}/package.json`);
      // Optional dependencies are dependencies too (the CLI's server workspaces).
      const deps = Object.keys({ ...(pkg.dependencies ?? {}), ...(pkg.optionalDependencies ?? {}) })
        .filter((d) => d.startsWith('@proofline/'))
        .map((d) => d.slice('@proofline/'.length));
      const allowed = LAYERS[name]!;
      for (const to of deps) {
        assert.ok(allowed.includes('*') || allowed.includes(to), `${name} depends on ${to}`);
      }
      const dev = Object.keys((pkg.devDependencies ?? {}) as object)
        .filter((d) => d.startsWith('@proofline/'))
        .map((d) => d.slice('@proofline/'.length));
      const tsconfig = readJson(`packages/${name}/tsconfig.json`);
      const refs = ((tsconfig.references ?? []) as { path: string }[]).map((r) =>
        r.path.replace(/^\.\.\//, ''),
      );
      for (const ref of refs) {
        assert.ok(deps.includes(ref) || dev.includes(ref), `${name} references ${ref}`);
      }
    }
  });
});
