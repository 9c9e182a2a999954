/**
 * Runs in every test file before its tests (vitest `setupFiles`): the file's temp directories are
 * removed when it ends. Workers run many files in one module state (isolate: false), so this is
 * per file, where an `afterAll` registered inside a test would never run.
 */
import { afterAll } from "vitest";
import { removeTempDirs } from "./helpers.js";

afterAll(removeTempDirs);
