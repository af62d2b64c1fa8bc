// ESM TypeScript through ts-jest; each test file gets a fresh module registry.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }
    ]
  },
  testMatch: ['**/__tests__/**/*.test.ts'],
  testTimeout: 60000,
  // Three workers on CI's two cores: the end-to-end and adapter suites spend much of their time waiting (child
  // processes, local servers, Octokit's spacing of writes), and a third worker fills those waits. Measured on 2 cores:
  // the whole suite in 8 min 35 s with 2 workers, 6 min 36 s with 3.
  maxWorkers: 3,
  verbose: false
}
