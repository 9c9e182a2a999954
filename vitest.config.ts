import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ from src/ and type-checks (type tests included) before any test runs.
    globalSetup: ["test/global-setup.ts"],
    // Each test spawns kubectl (about 60-130 ms each); two cores, so keep workers modest.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
