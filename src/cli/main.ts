// The bin's first lines are written by scripts/bundle.mjs (a /bin/sh line that starts
// `node -- dist/bin/argusai-kustomize.js`), not here: Node 20 scans its whole command line for
// --env-file, the script's own arguments included (a missing file kills it with exit 9; a present
// one has its NODE_OPTIONS applied), so our `--env-file` needs "node --" in front of the script,
// and `#!/usr/bin/env -S node --` fails under BusyBox env (Alpine CI images), which has no -S.
import { runCommandLine } from "./run.js";

/* The bin: one command line on this process's streams, its exit code as the process's. */

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
