import { cp, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { overlayDir, type SeedFile } from "../kustomize/compile.js";
import { JOURNAL_FILE, readIfExists, resolveInside } from "../tree/layout.js";
import { RECORD_FILE, readRecord } from "../tree/record.js";
import { renderKustomization, type Rendered, type Renderer } from "./kustomize.js";

/*
 * Rendering a tree as it is on disk (or staged): refuse a half-written tree, stand in for missing
 * machine-local seeds, retry a read a concurrent generate changed, and name overlays not paths.
 */

/** What one rendered overlay contains, for the summary line. */
export interface OverlaySummary {
  readonly environment: string;
  readonly dir: string;
  readonly namespaces: readonly string[];
  readonly objects: number;
  readonly images: readonly string[];
}

/**
 * Renders an overlay on disk; where this machine lacks one of its seeds (a fresh clone has no dev
 * secrets.env), renders a copy of the tree with a freshly made placeholder instead, and says so.
 */
export async function renderWithSeeds(
  dir: string,
  environment: string,
  seeds: readonly SeedFile[],
  renderer: Renderer,
): Promise<Rendered & { placeholderSeeds: string[] }> {
  const missing: SeedFile[] = [];
  for (const seed of seeds) if ((await readIfExists(resolveInside(dir, seed.path))) === undefined) missing.push(seed);
  if (missing.length === 0) return { ...(await renderKustomization(path.join(dir, overlayDir(environment)), renderer)), placeholderSeeds: [] };
  const copy = await mkdtemp(path.join(tmpdir(), "argusai-kustomize-validate-"));
  try {
    await cp(path.join(dir, "base"), path.join(copy, "base"), { recursive: true });
    await cp(path.join(dir, overlayDir(environment)), path.join(copy, overlayDir(environment)), { recursive: true });
    for (const seed of missing) await writeFile(resolveInside(copy, seed.path), seed.create(), { mode: 0o600 });
    return { ...(await renderKustomization(path.join(copy, overlayDir(environment)), renderer)), placeholderSeeds: missing.map((seed) => seed.path) };
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}

export async function assertNotInterrupted(dir: string, environment?: string): Promise<void> {
  if ((await readIfExists(path.join(dir, JOURNAL_FILE))) !== undefined) {
    throw new ArgusKustomizeError(
      "TREE_INCOMPLETE",
      `a generate was interrupted while replacing the tree (${JOURNAL_FILE} is there); run generate to finish it`,
      {
        location: { ...(environment !== undefined ? { environment } : {}), file: JOURNAL_FILE },
      },
    );
  }
}

/**
 * Refuses to render a tree that was never generated (a config from init, no record, no base/),
 * or an environment whose overlay is not on disk: kubectl would only say "must build at
 * directory" or lstat a path, which names neither the cause nor the fix.
 */
export async function assertGenerated(dir: string, environments: readonly string[]): Promise<void> {
  const recorded = (await readIfExists(path.join(dir, RECORD_FILE))) !== undefined;
  const missing = async (file: string) => (await readIfExists(path.join(dir, file))) === undefined;
  if (!recorded && (await missing("base/kustomization.yaml"))) {
    throw new ArgusKustomizeError("TREE_INCOMPLETE", `no generated tree here yet (no ${RECORD_FILE}, no base/): run argusai-kustomize generate`, {
      location: { file: dir },
    });
  }
  const parts = ["base/kustomization.yaml", ...environments.map((name) => `${overlayDir(name)}/kustomization.yaml`)];
  for (const file of parts) {
    if (!(await missing(file))) continue;
    const environment = environments.find((name) => file.startsWith(`${overlayDir(name)}/`));
    throw new ArgusKustomizeError(
      "TREE_INCOMPLETE",
      `${file} is missing${environment !== undefined ? " (the environment is in the tree)" : ""}: run argusai-kustomize generate to write it`,
      { location: { ...(environment !== undefined ? { environment } : {}), file } },
    );
  }
}

/** Refuses to render a half-written tree, or an overlay whose machine-local seed is missing. */
export async function assertComplete(dir: string, environment: string): Promise<void> {
  await assertNotInterrupted(dir, environment);
  const prefix = `${overlayDir(environment)}/`;
  for (const seed of (await readRecord(dir)).seeds.filter((file) => file.startsWith(prefix))) {
    if ((await readIfExists(resolveInside(dir, seed))) === undefined) {
      throw new ArgusKustomizeError(
        "TREE_INCOMPLETE",
        `${seed} is missing: it holds this machine's random dev secrets and is never committed; run argusai-kustomize generate to create it`,
        { location: { environment, file: seed } },
      );
    }
  }
}

/**
 * Runs a read of the tree without taking the lock (so it works on a read-only checkout), and
 * repeats it if a generate changed the tree meanwhile: the record changed or a journal appeared.
 */
export async function renderConsistently<T>(dir: string, read: () => Promise<T>): Promise<T> {
  const state = async () => `${(await readIfExists(path.join(dir, JOURNAL_FILE))) ?? ""}\0${(await readIfExists(path.join(dir, RECORD_FILE))) ?? ""}`;
  for (let attempt = 1; ; attempt += 1) {
    const before = await state();
    const result = await read();
    if ((await state()) === before) return result;
    if (attempt === 3) {
      throw new ArgusKustomizeError("TREE_INCOMPLETE", "the tree kept changing while it was read (a generate is running); try again when it is done", {
        location: { file: dir },
      });
    }
  }
}

export async function listOverlays(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(dir, "overlays"), { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch {
    return [];
  }
}

export function summarize(environment: string, dir: string, rendered: Rendered): OverlaySummary {
  const namespaces = new Set<string>();
  const images = new Set<string>();
  for (const object of rendered.objects) {
    const metadata = object["metadata"] as { namespace?: string } | undefined;
    if (metadata?.namespace !== undefined) namespaces.add(metadata.namespace);
    const template = (object["spec"] as { template?: { spec?: { containers?: Array<{ image?: string }> } } } | undefined)?.template;
    for (const container of template?.spec?.containers ?? []) if (container.image !== undefined) images.add(container.image);
  }
  return { environment, dir, namespaces: [...namespaces].sort(), objects: rendered.objects.length, images: [...images].sort() };
}
