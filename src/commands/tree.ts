import { stat } from "node:fs/promises";
import path from "node:path";
import { ArgusKustomizeError } from "../errors.js";
import { argusBase, type ArgusBase } from "../model/base.js";
import { ARGUSAI_COMPONENTS, type ComponentRegistry } from "../model/components.js";
import { fileAccessError } from "../os-errors.js";
import { defaultCacheDir, openRenderCache, type RenderCache } from "../render/cache.js";
import type { Renderer } from "../render/kustomize.js";
import { loadConfig, type LoadedConfig } from "../tree/config-file.js";
import { locateTree, type TreeLocation } from "../tree/locate.js";
import type { TreeOptions } from "../tree/resolve-environments.js";

/*
 * What every command does first: find the tree (the dir option, else the nearest one upwards),
 * read its config file, and settle the component registry (an option wins over the config).
 */

/** Options of {@link validate}, {@link render} and diffEnvironments: which tree, which renderer. */
export interface ReadTreeOptions {
  /**
   * The directory holding `base/` and `overlays/`.
   * @default the nearest directory from the working directory upwards holding the tree's record or config file
   */
  readonly dir?: string;
  /**
   * The program that renders the overlays.
   * @default kubectl from KUBECTL or PATH, else the standalone kustomize from KUSTOMIZE or PATH
   */
  readonly renderer?: Renderer;
  /**
   * The component registry the tree was generated with.
   * @default the config file's `components`, else ARGUSAI_COMPONENTS
   */
  readonly components?: ComponentRegistry;
  /** The base, when a script edited it. @default argusBase(components) */
  readonly base?: ArgusBase<string>;
}

/** A tree opened for a command. */
export interface OpenTree extends TreeLocation {
  readonly config: LoadedConfig;
  readonly base: ArgusBase<string>;
  /** The options with the tree's directory and registry settled, for the stages after. */
  readonly options: TreeOptions<string> & { readonly dir: string; readonly components: ComponentRegistry; readonly base: ArgusBase<string> };
}

/**
 * Finds the tree of `options.dir` (see locateTree), loads its config, and settles the base.
 *
 * @param create the command may start a tree (generate): a missing directory is created later, and
 * no tree found means the working directory
 * @throws ArgusKustomizeError TREE_NOT_FOUND, FILE_ACCESS (a given directory that is not there),
 * USAGE (a file given as the directory), CONFIG_INVALID
 */
export async function openTree<O extends Omit<TreeOptions<string>, "components"> & { readonly components?: ComponentRegistry }>(
  options: O,
  create = false,
): Promise<OpenTree & { readonly options: O & { readonly dir: string; readonly components: ComponentRegistry; readonly base: ArgusBase<string> } }> {
  const location = await locateTree(options.dir, { create });
  // generate creates a missing directory, and refuses a file in its place itself.
  if (!create) await assertDirectory(location.dir);
  const config = await loadConfig(location.dir).catch((error: unknown) => Promise.reject(fileAccessError(error, "read the config file")));
  const base = options.base ?? argusBase(options.components ?? config.config.components ?? ARGUSAI_COMPONENTS);
  return { ...location, config, base, options: { ...options, dir: location.dir, components: base.components, base } };
}

/** A tree to read must be a directory that is there. */
async function assertDirectory(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: unknown) => Promise.reject(fileAccessError(error, "open the tree's directory")));
  if (!info.isDirectory()) {
    throw new ArgusKustomizeError("USAGE", `${dir} is not a directory; give the tree's directory with --dir`, { location: { file: dir } });
  }
}

/** The cache a `cache` option asks for. */
export function cacheOf(option: boolean | string | undefined): RenderCache | false {
  if (option === false) return false;
  return openRenderCache(typeof option === "string" ? path.resolve(option) : defaultCacheDir());
}
