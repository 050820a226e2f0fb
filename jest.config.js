/** Jest runs the TypeScript sources through ts-jest; the lifecycle tests also need `dist/` (the
 * provider runtime is loaded by package name inside the real dynamic-provider process), which
 * `npm test` builds first. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    // hyparquet, hyparquet-writer and commander ship ES modules only; Node 22 loads it with require(), jest needs it transpiled.
    "^.+\\.js$": [
      "ts-jest",
      {
        tsconfig: {
          allowJs: true,
          module: "commonjs",
          moduleResolution: "node10",
          ignoreDeprecations: "6.0",
        },
      },
    ],
  },
  transformIgnorePatterns: ["/node_modules/(?!(hyparquet|hyparquet-writer|commander)/)"],
  moduleNameMapper: {
    "^pulumi-together$": "<rootDir>/sdk/index.ts",
    "^pulumi-together/runtime$": "<rootDir>/provider/runtime.ts",
    "^pulumi-together/client$": "<rootDir>/provider/client/index.ts",
    "^pulumi-together/emulator$": "<rootDir>/emulator/index.ts",
    "^pulumi-together/testing$": "<rootDir>/testing/index.ts",
  },
  setupFiles: ["<rootDir>/test/setup-env.js"],
  setupFilesAfterEnv: ["<rootDir>/test/setup-after-env.ts"],
  reporters: ["default", "<rootDir>/test/summary-reporter.js"],
  testTimeout: 60000,
  maxWorkers: 2,
};
