// ESM jest: run through `NODE_OPTIONS=--experimental-vm-modules jest` (npm test).
// ts-jest only transpiles; `npm run build` type-checks src and tests.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  resolver: 'ts-jest-resolver',
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true }]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  verbose: true
}
