import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Builds dist/ from src/ and type-checks (type tests included) before any test runs; gives the
    // run its own render cache (XDG_CACHE_HOME).
    globalSetup: ["test/global-setup.ts"],
    // Removes each file's temp directories when the file ends.
    setupFiles: ["test/file-cleanup.ts"],
    // Much of a test's time is spent waiting for the processes it starts (kubectl, npm, the bin where
    // a process is what is tested), so one worker per core leaves the cores idle: Vitest's default on
    // two cores is a single worker.
    // One more worker than cores keeps both busy (CONTRIBUTING.md, "What the suite costs").
    maxWorkers: availableParallelism() + 1,
    // Workers are reused across files with their loaded modules (zod schemas, kubernetes-models'
    // validators): loading them again for each of ~40 files costs more than many tests. So a test
    // file must leave process state as it found it (vi.unstubAllEnvs, vi.resetModules after use).
    isolate: false,
    // The CLI's command-line function, which test/cli-runner.ts runs in the test process, is loaded
    // by Node as the bin loads it, not transformed by Vitest.
    server: { deps: { external: [/\/dist\/cli\/run\.js$/] } },
    // A larger young generation for the workers: the tests allocate much short-lived data (trees,
    // renders, parsed YAML), and with Node's default (16 MiB semi-spaces) the scavenges cost about
    // a tenth of the suite. Measured alternating: 98.6 and 91.7 s default, 87.4 and 84.7 s with 64.
    execArgv: ["--max-semi-space-size=64"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
