// Three tiers: pure logic and services with fakes beside the code (unit), real replica
// processes against a real embedded Postgres (e2e), and the Helm chart and container image
// checked with the real helm binary and the Kubernetes schemas (chart). `npm test` runs all.
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      setupFiles: ['reflect-metadata'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/e2e-setup.ts'],
    },
    {
      displayName: 'chart',
      testEnvironment: 'node',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/chart/**/*.chart-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
      setupFilesAfterEnv: ['<rootDir>/test/chart/support/setup.ts'],
    },
  ],
  // e2e suites start many processes each; running them one at a time keeps a 2-core machine honest.
  maxWorkers: 1,
};
