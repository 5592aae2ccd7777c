import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './eslint/layers.js';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/testdata/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // Workspaces import only the layers eslint/layers.json allows (sources only: tests may
    // import whatever they need to set up, as devDependencies).
    files: ['packages/*/src/**'],
    plugins: { proofline: layers },
    rules: { 'proofline/layers': 'error' },
  },
  {
    // The math and note layers run unchanged in browsers: no Node built-ins, no Buffer
    // (except the Node entry points @proofline/tlog/node and @proofline/note/node, the
    // node:crypto hashing and native base64 for Node processes).
    ignores: ['packages/tlog/src/node.ts', 'packages/note/src/node.ts'],
    files: [
      'packages/tlog/src/**',
      'packages/note/src/**',
      'packages/cose/src/**',
      'packages/records/src/**',
      'packages/verify/src/**',
      'packages/timestamp/src/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['node:*', 'fs', 'crypto', 'path', 'buffer'] },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require'],
    },
  },
  {
    // The web pages verify in the browser with the browser-safe libraries only: never server
    // code, storage or Node built-ins.
    files: ['packages/web/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'crypto',
            'path',
            'buffer',
            '@proofline/server',
            '@proofline/storage*',
            '@proofline/sequencer',
            '@proofline/cli',
            '@proofline/client',
            '@proofline/*/node',
          ],
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require'],
    },
  },
  {
    // The browser-safe part of @proofline/evidence (its ./browser entry) and the offline
    // verifier page built from it (page/, inlined into every package as verify.html): no Node
    // built-ins, no Buffer, none of the ZIP, PDF, HTTP or file modules of the package.
    files: [
      'packages/evidence/page/**/*.ts',
      'packages/evidence/src/{browser,verify-package,check,control-view,package,population,sample,anchor,trust,trust-items,report,lines,names,errors}.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'crypto',
            'path',
            'buffer',
            'yauzl',
            'yazl',
            'pdfkit',
            '**/zip.js',
            '**/report-pdf.js',
            '**/controls.js',
            '**/client.js',
            '**/export.js',
            '**/scan.js',
            '**/verify-evidence.js',
            '**/index.js',
          ],
          paths: [{ name: '@proofline/evidence', message: 'use @proofline/evidence/browser' }],
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require'],
    },
  },
);
