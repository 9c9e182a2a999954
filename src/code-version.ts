import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

/*
 * The version of the running code, part of the key of everything remembered from a computation
 * of this code (a validation, a plan): a remembered answer must never outlive a change to how it
 * is computed. It is the package's version, the versions of the libraries the answers run through
 * (the Kubernetes schemas, their validator, the YAML library) and a hash of this package's own
 * code (every .js/.ts file of the directory this module was loaded from: src/, or dist/ with the
 * bundled CLI in dist/bin/), and the CRD schemas the custom resources are validated against.
 *
 * Why a hash of all the code and not a constant bumped by hand when a policy or the compiler
 * changes: a forgotten bump would be a wrong answer (a violation remembered as "valid", a stale
 * plan passing check), and what an answer depends on is spread out (a schema in a dependency, a
 * default in the model, a message in a policy). A hash cannot be forgotten; its cost is one
 * recomputation of everything after an upgrade or a rebuild, and about 5 ms of hashing (2 MB)
 * in a run that uses a cache.
 */

/** The libraries whose behaviour a remembered answer depends on. */
const LIBRARIES = [
  "kubernetes-models",
  "@kubernetes-models/validate",
  "@kubernetes-models/argo-cd",
  "@kubernetes-models/apimachinery",
  "ajv",
  "yaml",
  "js-yaml",
  "zod",
  "fast-json-patch",
];

let cached: string | undefined;

/** The version of the running code (computed once per process). */
export function codeVersion(): string {
  cached ??= computeCodeVersion(fileURLToPath(import.meta.url));
  return cached;
}

/** The version of the code that `moduleFile` belongs to. */
export function computeCodeVersion(moduleFile: string): string {
  const hash = createHash("sha256");
  const root = packageRoot(moduleFile);
  hash.update(`package ${root !== undefined ? packageVersionAt(root) : "unknown"}\0`);
  const require = createRequire(moduleFile);
  for (const library of LIBRARIES) hash.update(`library ${library} ${libraryVersion(require, library)}\0`);
  const code = root !== undefined ? codeDirectory(root, moduleFile) : { dir: path.dirname(moduleFile), skip: undefined };
  for (const file of codeFiles(code.dir, code.skip)) hash.update(`file ${file}\0`).update(readFileSync(path.join(code.dir, file)));
  // The custom resources' CRD schemas are data the validator reads at run time, not code.
  const crds = root !== undefined ? path.join(root, "schema", "crds") : undefined;
  for (const file of crds !== undefined && existsSync(crds) ? readdirSync(crds).sort() : []) {
    hash.update(`crd ${file}\0`).update(readFileSync(path.join(crds!, file)));
  }
  return hash.digest("hex");
}

/** The nearest directory above `file` holding a package.json. */
function packageRoot(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function packageVersionAt(root: string): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { name?: unknown; version?: unknown };
    return `${String(pkg.name)}@${String(pkg.version)}`;
  } catch {
    return "unreadable";
  }
}

/**
 * The code `file` runs with: dist/bin/ for the bundled CLI and library (entries and shared chunks:
 * they carry their own copies of everything), else the top-level directory holding it (src/ run
 * from source, or tsc's dist/ that the build scripts import, without the bundle).
 */
function codeDirectory(root: string, file: string): { dir: string; skip: string | undefined } {
  const parts = path.relative(root, file).split(path.sep);
  if (parts.length > 2 && parts[0] === "dist" && parts[1] === "bin") return { dir: path.join(root, "dist", "bin"), skip: undefined };
  if (parts.length < 2) return { dir: path.dirname(file), skip: undefined };
  return { dir: path.join(root, parts[0]!), skip: parts[0] === "dist" ? "bin" : undefined };
}

/** `name@version` of an installed library, or why there is none (a bundle carries its own copy, hashed with the code). */
function libraryVersion(require: NodeJS.Require, name: string): string {
  try {
    const entry = require.resolve(name);
    for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
      const file = path.join(dir, "package.json");
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
        if (pkg.name === name) return String(pkg.version);
      }
      if (path.dirname(dir) === dir) return "not found";
    }
  } catch {
    return "not resolvable";
  }
}

/** Code files under `dir` (but not its top-level `skip`), sorted, as POSIX paths relative to it (declarations and maps are not code). */
function codeFiles(dir: string, skip: string | undefined): string[] {
  const files: string[] = [];
  const walk = (relative: string): void => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(path.join(dir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && !entry.name.startsWith(".") && !(relative === "" && entry.name === skip)) walk(child);
      } else if (/\.(?:[cm]?js|ts)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) {
        files.push(child);
      }
    }
  };
  walk("");
  return files.sort();
}
