// The bin's first lines are written by scripts/bundle.mjs (a /bin/sh line that starts
// `node -- dist/bin/argusai-kustomize.js`), not here: Node 20 scans its whole command line for
// --env-file, the script's own arguments included (a missing file kills it with exit 9; a present
// one has its NODE_OPTIONS applied), so our `--env-file` needs "node --" in front of the script,
// and `#!/usr/bin/env -S node --` fails under BusyBox env (Alpine CI images), which has no -S.
import module from "node:module";
import path from "node:path";
import { defaultCacheDir } from "../cache-store.js";

/* The bin: one command line on this process's streams, its exit code as the process's. */

// Node 22.1 and later keep V8's compiled code of the modules loaded after this call between runs,
// beside this tool's other caches (`node-compile-cache/` in the default cache directory; V8 checks
// each entry, and NODE_DISABLE_COMPILE_CACHE=1 turns it off): a generate of an unchanged base +
// dev + prod took 0.20 to 0.23 s without it and 0.18 to 0.19 s with it on Node 22 (measured).
// Node 20 has no such cache. So the CLI itself is imported only after it is on.
try {
  (module as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache?.(path.join(defaultCacheDir(), "node-compile-cache"));
} catch {
  // A cache that cannot be made only costs speed.
}
const { runCommandLine } = await import("./run.js");

// A reader that stops early (`render prod | head`) is not a failure of ours: stop quietly instead of
// dying on an unhandled EPIPE.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
});

process.exitCode = await runCommandLine(process.argv, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
