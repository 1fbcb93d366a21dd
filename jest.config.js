/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    // jose is ESM-only: these load it with a real import(), which jest's CommonJS runtime
    // cannot run, so there (and in jose itself) it becomes require() of a compiled jose.
    '/(src/trust/oidc|test/trust/authenticate\\.test)\\.ts$': ['@swc/jest', { swcrc: false, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: false }, sourceMaps: 'inline' }],
    '^.+\\.ts$': ['@swc/jest'],
    '/node_modules/jose/.+\\.js$': ['@swc/jest'],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // One Temporal dev server, one Postgres and one workflow bundle for the whole run.
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
};
