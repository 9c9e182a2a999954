import { stat } from "node:fs/promises";
import path from "node:path";
import { gitRepositoryOf } from "../argocd/source.js";
import { withOsErrors } from "../os-errors.js";
import { CONFIG_FILES, configFilesIn } from "../tree/config-file.js";
import { readIfExists } from "../tree/layout.js";
import { locateTree, type TreeLocation } from "../tree/locate.js";
import { writeNew } from "../write/files.js";
import { CONFIG_TEXT, environmentText, GITIGNORE_TEXT, workflowText } from "./init-templates.js";

/*
 * `init` starts a user's repository: what a person would otherwise copy from the docs. It never
 * overwrites a file: one that exists is named and left alone, so running it twice changes nothing.
 */

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * Where the tree goes (its config file, envs/ and, later, base/ and overlays/).
   * @default the tree the working directory is in (as every command finds it: the nearest directory
   * upwards holding the record or a config file), else the working directory
   */
  readonly dir?: string;
}

/** One file init considered. */
export interface InitFile {
  /** Relative to the working directory as given to init (POSIX). */
  readonly path: string;
  /** `created`; `exists` (left alone); `lacks` (left alone, but without lines the tree needs: `missing`). */
  readonly status: "created" | "exists" | "lacks";
  /** For `lacks`: the lines to add by hand. */
  readonly missing?: readonly string[];
}

/** The result of {@link init}. */
export interface InitResult {
  readonly dir: string;
  /**
   * How `dir` was chosen: `given` (the dir option), `found` (an existing tree at or above the
   * working directory: init completes that one), `new` (no tree: the working directory).
   */
  readonly how: TreeLocation["how"];
  readonly files: readonly InitFile[];
  /** What to do next, one step a line. */
  readonly nextSteps: readonly string[];
}

/**
 * Starts a tree in `dir`: the config file, an example environment file (envs/staging.yaml, with
 * the schema comment editors read), the .gitignore lines, and a CI workflow running `check` and
 * `validate --strict` (at the Git repository's root, working in the tree's directory). Existing
 * files are never changed.
 *
 * @example
 * const { files, nextSteps } = await init({ dir: "deploy" });
 */
export async function init(options: InitOptions = {}): Promise<InitResult> {
  return withOsErrors(async () => {
    // Inside an existing tree (run from overlays/staging or envs/), a second tree there would be
    // one no other command finds from the root: init completes the enclosing tree instead, as
    // every other command acts on it, and says where (see the CLI's output).
    const { dir, how } = await locateTree(options.dir, { create: true });
    const repository = await gitRepositoryOf(dir);
    const repoRoot = repository?.root ?? dir;
    const treePath = path.relative(repoRoot, dir).split(path.sep).join("/");
    const shown = (absolute: string) => path.relative(process.cwd(), absolute).split(path.sep).join("/") || ".";
    const files: InitFile[] = [];

    const create = async (absolute: string, text: string) => {
      if ((await stat(absolute).catch(() => undefined)) !== undefined) {
        files.push({ path: shown(absolute), status: "exists" });
        return;
      }
      writeNew(absolute, text);
      files.push({ path: shown(absolute), status: "created" });
    };

    // One config file: any existing one (of any extension) counts.
    const configs = await configFilesIn(dir);
    if (configs.length > 0) files.push(...configs.map((file) => ({ path: shown(file), status: "exists" as const })));
    else await create(path.join(dir, CONFIG_FILES[0]), CONFIG_TEXT);

    const schema = await schemaPath(path.join(dir, "envs"));
    await create(path.join(dir, "envs", "staging.yaml"), environmentText(schema));

    const gitignore = path.join(dir, ".gitignore");
    const wanted = GITIGNORE_TEXT.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    const existing = await readIfExists(gitignore);
    if (existing === undefined) await create(gitignore, GITIGNORE_TEXT);
    else {
      const lines = new Set(existing.split(/\r?\n/).map((line) => line.trim()));
      const missing = wanted.filter((line) => !lines.has(line));
      files.push(missing.length > 0 ? { path: shown(gitignore), status: "lacks", missing } : { path: shown(gitignore), status: "exists" });
    }

    await create(path.join(repoRoot, ".github", "workflows", "argusai-kustomize.yml"), workflowText(treePath));

    const cd = shown(dir) === "." ? "" : `cd ${shown(dir)} && `;
    const nextSteps = [
      `edit ${shown(path.join(dir, "envs", "staging.yaml"))} (or copy it per environment): name, namespace, images, secret`,
      // -f, not --env-file: Node 20 takes --env-file (either form) from npx's and node's command line as its own.
      `${cd}npx argusai-kustomize generate -f envs/staging.yaml   (-f is --env-file; writes base/, overlays/, argocd/ and the record)`,
      "npx argusai-kustomize validate --strict   (what CI runs; set prod's image versions and the repoURL until it passes)",
      "git add -A && git commit   (commit the generated tree; CI fails when it is stale)",
      "point Argo CD at the repository: kubectl apply -f argocd/<environment>.yaml (the Applications generate writes)",
    ];
    return { dir, how, files, nextSteps };
  });
}

/** The JSON Schema's path from `from`, through the nearest installed package (default: ../node_modules). */
async function schemaPath(from: string): Promise<string> {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", "argusai-kustomize", "schema", "environment.schema.json");
    if ((await stat(candidate).catch(() => undefined)) !== undefined) return path.relative(from, candidate).split(path.sep).join("/");
    if (path.dirname(dir) === dir) return "../node_modules/argusai-kustomize/schema/environment.schema.json";
  }
}
