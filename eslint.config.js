import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/testdata/**'] },
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
    // The math and note layers run unchanged in browsers: no Node built-ins, no Buffer.
    files: [
      'packages/tlog/src/**',
      'packages/note/src/**',
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
          ],
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require'],
    },
  },
);
