/** Jest for the offline tests. pulumi-together's emulator reads Parquet with hyparquet, which ships ES
 *  modules only: Jest must transpile it (Node itself loads it fine). */
module.exports = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": "ts-jest",
    "^.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, module: "commonjs", moduleResolution: "node10" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!hyparquet/)"],
  // Each run starts the provider process and waits for the (emulated, accelerated) job.
  testTimeout: 60000,
};
