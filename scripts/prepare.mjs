#!/usr/bin/env node
// npm's `prepare`: builds dist/ when the build tools are installed. They are devDependencies, so
// `npm ci --omit=dev` in a clone has none of them: there `prepare` must not fail the install (it
// says what is missing instead). Installs that need dist/ get it: the registry tarball ships it,
// and `npm install github:owner/repo` installs the devDependencies in its clone before `prepare`.
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const missing = ["typescript/package.json", "esbuild"].filter((id) => {
  try {
    require.resolve(id);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  console.warn(
    `argusai-kustomize prepare: ${missing.map((id) => id.split("/")[0]).join(" and ")} not installed (devDependencies omitted?): ` +
      "dist/ is not built; run `npm ci` (with devDependencies) and `npm run build` to build the library and its bin",
  );
  process.exit(0);
}
// npm_execpath is the npm running this lifecycle script: the same npm builds, whatever is on PATH.
const npm = process.env["npm_execpath"];
if (npm !== undefined) execFileSync(process.execPath, [npm, "run", "build"], { stdio: "inherit" });
else execFileSync("npm", ["run", "build"], { stdio: "inherit" });
