/**
 * The package as `npm pack` makes it, packed once per test run and shared by the files that need
 * the tarball or its file list (each pack cost about 1.4 CPU-seconds, and four files packed).
 * The first worker to finish packing publishes it in the run's own directory (XDG_CACHE_HOME,
 * made by test/global-setup.ts) by renaming its directory into place; a worker that packed at the
 * same time uses the published one and drops its own. npm test built dist/ before any test, so
 * packing runs no scripts.
 */
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
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

/** This run's packed package (see above). */
export function packedPackage(): Promise<PackedPackage> {
  packed ??= packOnce();
  return packed;
}

async function packOnce(): Promise<PackedPackage> {
  const runDir = process.env["XDG_CACHE_HOME"];
  if (runDir === undefined) throw new Error("XDG_CACHE_HOME is not set: run the tests with vitest (test/global-setup.ts makes the run's directory)");
  const home = path.join(runDir, "packed-package");
  const published = async () => JSON.parse(await readFile(path.join(home, "pack.json"), "utf8")) as PackedPackage;
  try {
    return await published();
  } catch {
    // not packed yet in this run
  }
  const draft = await mkdtemp(path.join(runDir, "packing-"));
  const result = await run(["npm", "pack", "--ignore-scripts", "--json", "--pack-destination", draft, ...NPM_QUIET]);
  if (result.code !== 0) throw new Error(`npm pack failed: ${result.stderr}`);
  const [info] = JSON.parse(result.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const pack: PackedPackage = { tarball: path.join(home, info!.filename), files: info!.files.map((file) => file.path) };
  await writeFile(path.join(draft, "pack.json"), JSON.stringify(pack));
  try {
    await rename(draft, home);
    return pack;
  } catch {
    // Another worker published first (the directory exists and is not empty): use its pack.
    await rm(draft, { recursive: true, force: true });
    return published();
  }
}
