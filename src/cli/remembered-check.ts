import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { CheckOptions, CheckResult } from "../commands/check.js";
import { rememberedNoDrift } from "../commands/plan-memo.js";
import { RECORD_FILE } from "../tree/layout.js";

/*
 * The CLI's `check` before it loads any command code: a tree known to have no drift (plan-memo.ts)
 * is answered here. Anything else (no memo, a difference, a config file, any doubt) returns
 * undefined and the full check runs.
 */

/** `{ dir, drift: [], upgrades: [] }` when the tree is known unchanged; undefined to run the full check. */
export async function rememberedCheck(options: CheckOptions): Promise<CheckResult | undefined> {
  const dir = options.dir !== undefined ? path.resolve(options.dir) : nearestRecordedTree(process.cwd());
  if (dir === undefined) return undefined;
  const known = await rememberedNoDrift({ ...options, dir }).catch(() => false);
  // No drift means no refused upgrade either: the committed files are the planned ones.
  return known ? { dir, drift: [], upgrades: [] } : undefined;
}

/**
 * The tree a command without --dir acts on (locateTree: the nearest directory upwards holding the
 * record or a config file), found without loading the config's code; undefined, so the full
 * check decides, where a config file (or anything named like one) comes first.
 */
function nearestRecordedTree(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    if (names.some((name) => name.startsWith("argusai-kustomize.config."))) return undefined;
    if (names.includes(RECORD_FILE)) {
      // locateTree takes a marker only when it is a file.
      if (statSync(path.join(dir, RECORD_FILE), { throwIfNoEntry: false })?.isFile() === true) return dir;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}
