// Three tiers: fast unit specs beside the code (*.spec.ts); integration and end-to-end specs
// under test/ against the real PostgreSQL, Redis and nmap started by scripts/services.sh; and the
// corpus suite over nmap's own XML files (../shared, `npm run test:corpus`).
const { pathsToModuleNameMapper } = require('ts-jest'); // eslint-disable-line @typescript-eslint/no-require-imports
const { compilerOptions } = require('./tsconfig.json'); // eslint-disable-line @typescript-eslint/no-require-imports

const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
};
const slow = { setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'] };

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    { ...shared, ...slow, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    { ...shared, ...slow, displayName: 'corpus', testMatch: ['<rootDir>/test/corpus/**/*.corpus-spec.ts'] },
  ],
};
