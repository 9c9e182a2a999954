#!/usr/bin/env node
// Bundles the CLI (after tsc) into dist/bin/: one module plus on-demand chunks for the schema
// validators. Start-up is dominated by module loading (zod, yaml, commander: ~200 ms as separate
// files on this machine); one bundled file loads in a fraction of that. The library (dist/index.js)
// stays unbundled so importers share their own copies of the dependencies.
import { chmodSync, rmSync } from "node:fs";
import { build } from "esbuild";

const outdir = new URL("../dist/bin/", import.meta.url).pathname;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { "argusai-kustomize": new URL("../dist/cli.js", import.meta.url).pathname },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  // CommonJS dependencies (fast-json-patch, ajv) call require() for Node built-ins.
  banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
  chunkNames: "chunks/[name]-[hash]",
});
chmodSync(`${outdir}argusai-kustomize.js`, 0o755);
