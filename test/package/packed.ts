/**
 * The package as `npm pack` makes it, packed once per test run and shared by the files that need
 * the tarball or its file list (each pack cost about 1.4 CPU-seconds, and four files packed), and
 * a project it is installed in, also made once per run (see {@link publishOnce}). npm test built
 * dist/ before any test, so packing runs no scripts.
 */
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { run } from "./alpine.js";

export const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

export interface PackedPackage {
  /** The tarball's absolute path. */
  readonly tarball: string;
  /** Every file it ships, as npm lists them. */
  readonly files: readonly string[];
}

let packed: Promise<PackedPackage> | undefined;
let installed: Promise<string> | undefined;

/** This run's packed package (see above). */
export function packedPackage(): Promise<PackedPackage> {
  packed ??= publishOnce("packed-package", async (draft) => {
    const result = await run(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", draft, ...NPM_QUIET]);
    if (result.code !== 0) throw new Error(`npm pack failed: ${result.stderr}`);
    const [info] = JSON.parse(result.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    return { tarball: info!.filename, files: info!.files.map((file) => file.path) };
  }).then(({ home, value }) => ({ ...value, tarball: path.join(home, value.tarball) }));
  return packed;
}

/**
 * An empty project with this run's tarball installed the way a GitOps repository installs it
 * (`npm install -D TARBALL`), made once per run: an install costs about 6 CPU-seconds, and the
 * tests that need one start from their own copy of it ({@link copyOfInstalledProject}).
 */
function installedProject(): Promise<string> {
  installed ??= packedPackage().then(async ({ tarball }) => {
    const { home } = await publishOnce("installed-project", async (draft) => {
      await writeFile(path.join(draft, "package.json"), `${JSON.stringify({ name: "gitops-repo", version: "1.0.0", private: true }, null, 2)}\n`);
      const result = await run(["npm", "install", "-D", ...NPM_QUIET, tarball], { cwd: draft });
      if (result.code !== 0) throw new Error(`npm install ${tarball} failed: ${result.stderr}`);
      return {};
    });
    return home;
  });
  return installed;
}

/** A new directory made by `tempDir` holding a copy of the project with the package installed (see {@link installedProject}). */
export async function copyOfInstalledProject(dir: string): Promise<void> {
  // node_modules/.bin holds relative links: copied as they are, they point into the copy.
  await cp(await installedProject(), dir, { recursive: true, verbatimSymlinks: true });
  await rm(path.join(dir, PUBLISHED), { force: true });
}

/** What {@link publishOnce} writes beside the published files. */
const PUBLISHED = "published.json";

/**
 * Makes something once per run in the run's directory (XDG_CACHE_HOME, made by
 * test/global-setup.ts), whichever test worker asks first: that worker takes the claim (a
 * directory made atomically), `make` fills a draft directory and returns what to remember of it,
 * and the draft is renamed to `name`; the others wait for that, so the work is done once even
 * when two files ask at the same moment (the package's test files start together).
 */
async function publishOnce<T>(name: string, make: (draft: string) => Promise<T>): Promise<{ home: string; value: T }> {
  const runDir = process.env["XDG_CACHE_HOME"];
  if (runDir === undefined) throw new Error("XDG_CACHE_HOME is not set: run the tests with vitest (test/global-setup.ts makes the run's directory)");
  const home = path.join(runDir, name);
  const published = async () => ({ home, value: JSON.parse(await readFile(path.join(home, PUBLISHED), "utf8")) as T });
  const claimed = await mkdir(`${home}.claim`).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === "EEXIST") return false;
      throw error;
    },
  );
  if (claimed) {
    const draft = await mkdtemp(path.join(runDir, `${name}-`));
    try {
      const value = await make(draft);
      await writeFile(path.join(draft, PUBLISHED), JSON.stringify(value));
      await rename(draft, home);
      return { home, value };
    } catch (error) {
      // The waiters see the failure instead of waiting for their time-out.
      await writeFile(`${home}.failed`, String(error)).catch(() => undefined);
      throw error;
    }
  }
  for (const deadline = Date.now() + 180_000; ; ) {
    const failed = await readFile(`${home}.failed`, "utf8").catch(() => undefined);
    if (failed !== undefined) throw new Error(`another test worker failed to make ${name}: ${failed}`);
    const value = await published().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for another test worker to make ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
