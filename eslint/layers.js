/**
 * ESLint rule `proofline/layers`: a file under packages/<name>/src may import another workspace
 * (`@proofline/<other>` or `@proofline/<other>/<entry>`) only when eslint/layers.json allows
 * <name> → <other>, and may not reach out of its package by a relative path. It checks every
 * static form a module can name another: import, import type, export … from, import(),
 * `typeof import()`, `import x = require()` and require(). A dynamic import() whose specifier is
 * not a string literal is reported too: the layers could not be checked. Unknown workspaces
 * (neither a layer nor in the graph) are reported, so a new package must be placed first.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(HERE);

/** The graph: workspace name → the workspaces its sources may import ("*": any). */
export const LAYERS = JSON.parse(readFileSync(path.join(HERE, 'layers.json'), 'utf8')).layers;

const SCOPE = '@proofline/';

/** The workspace of a source file (packages/<name>/src/…), or undefined. */
function workspaceOf(filename) {
  const rel = path.relative(ROOT, filename).split(path.sep);
  return rel[0] === 'packages' && rel[2] === 'src' ? rel[1] : undefined;
}

/** Whether workspace `from` may import workspace `to`. */
export function allowed(from, to) {
  const deps = LAYERS[from];
  return from === to || (deps !== undefined && (deps.includes('*') || deps.includes(to)));
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'workspaces import only the layers eslint/layers.json allows' },
    schema: [],
    messages: {
      upward:
        '@proofline/{{from}} may not import {{spec}} (allowed: {{deps}}; see eslint/layers.json)',
      unplaced: 'workspace {{from}} is not in eslint/layers.json: place it in the graph first',
      unknown: '{{spec}} is not a workspace in eslint/layers.json',
      outside: 'relative import {{spec}} leaves packages/{{from}}: import the workspace instead',
      computed: 'import() of a computed specifier: the layers cannot be checked',
    },
  },
  create(context) {
    const from = workspaceOf(context.filename);
    if (from === undefined) return {};
    const home = path.join(ROOT, 'packages', from) + path.sep;
    function check(node, spec) {
      if (spec.startsWith(SCOPE)) {
        const to = spec.slice(SCOPE.length).split('/')[0];
        if (LAYERS[from] === undefined)
          context.report({ node, messageId: 'unplaced', data: { from } });
        else if (LAYERS[to] === undefined)
          context.report({ node, messageId: 'unknown', data: { spec } });
        else if (!allowed(from, to)) {
          const deps = LAYERS[from].join(', ') || 'none';
          context.report({ node, messageId: 'upward', data: { from, spec, deps } });
        }
      } else if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(context.filename), spec);
        if (!target.startsWith(home))
          context.report({ node, messageId: 'outside', data: { from, spec } });
      }
    }
    function checkSource(node, source) {
      if (source?.type === 'Literal' && typeof source.value === 'string') check(node, source.value);
      else if (source?.type === 'TemplateLiteral' && source.expressions.length === 0) {
        check(node, source.quasis[0].value.cooked);
      } else context.report({ node, messageId: 'computed' });
    }
    return {
      ImportDeclaration: (node) => checkSource(node, node.source),
      ExportAllDeclaration: (node) => checkSource(node, node.source),
      ExportNamedDeclaration: (node) => node.source && checkSource(node, node.source),
      ImportExpression: (node) => checkSource(node, node.source),
      TSImportType: (node) => checkSource(node, node.argument?.literal ?? node.argument),
      TSExternalModuleReference: (node) => checkSource(node, node.expression),
      CallExpression(node) {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require') {
          checkSource(node, node.arguments[0]);
        }
      },
    };
  },
};

export default { rules: { layers: rule } };
