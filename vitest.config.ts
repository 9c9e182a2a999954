import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test spawns kubectl (about 60-130 ms each); two cores, so keep workers modest.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
