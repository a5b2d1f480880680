/** Jest: one Temporal dev server and one Redis for the whole run (test/harness). */
const esmPackages = [
  '@octokit',
  'universal-user-agent',
  'before-after-hook',
  'universal-github-app-jwt',
  'fast-content-type-parse',
  'json-with-bigint',
  'content-type',
  'bottleneck',
  'toad-cache',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  globalSetup: '<rootDir>/test/harness/globalSetup.ts',
  globalTeardown: '<rootDir>/test/harness/globalTeardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
