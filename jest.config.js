/** ESM jest through ts-jest; run with node --experimental-vm-modules (see package.json). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  },
  testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
  // End-to-end tests start Node 24, Azurite, Nix and qemu: generous, but bounded.
  testTimeout: 600000,
  maxWorkers: 2,
  // One temporary directory per test run, removed at its end.
  globalSetup: '<rootDir>/test-support/jest-global-setup.mjs',
  globalTeardown: '<rootDir>/test-support/jest-global-teardown.mjs'
}
