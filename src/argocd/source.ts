import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { RecordedSource } from "../tree/record.js";

/*
 * Where an Application's source is: the Git repository holding the tree (repoURL) and the tree's
 * directory in it (path). Both are derived afresh on every run from the repository itself, so a
 * clone whose origin is yours points Argo CD at yours, whatever an earlier run recorded. The record
 * keeps what was used only for a copy without its `.git` (an export, a Docker build context),
 * where nothing can be derived: there it gives the same answer as inside the repository.
 */

/** The Git repository holding a directory: its root (where `.git` is) and its git directory. */
export interface GitRepository {
  readonly root: string;
  /** The directory holding its config (for a worktree or submodule, found through `.git`'s `gitdir:` line). */
  readonly configDir: string;
}

/** Where the Applications' source was found, for the summary. */
export type SourceOrigin = "origin" | "package.json" | "record";

/** The source as derived for a tree. */
export interface DerivedSource {
  /** undefined when nothing names the repository. */
  readonly repoURL?: string;
  readonly repoURLFrom?: SourceOrigin;
  /** The tree's directory in its repository, POSIX, "" at its root. */
  readonly path: string;
}

/**
 * The repoURL and path of the tree in `dir`: inside a Git repository, its `origin` remote (when it
 * is a URL Argo CD can clone) or else the `repository` of a package.json between the tree and the
 * repository's root; outside one (a copy without `.git`), what the record says, else the nearest
 * package.json's `repository`.
 *
 * @param usable whether a URL is one Argo CD can clone (a local path origin is not)
 */
export async function deriveSource(dir: string, recorded: RecordedSource | undefined, usable: (url: string) => boolean): Promise<DerivedSource> {
  const root = path.resolve(dir);
  const repository = await gitRepositoryOf(root);
  if (repository === undefined) {
    const treePath = recorded?.path ?? "";
    if (recorded?.repoURL !== undefined && usable(recorded.repoURL)) return { repoURL: recorded.repoURL, repoURLFrom: "record", path: treePath };
    const fromPackage = await repositoryOfPackage(root);
    return fromPackage !== undefined && usable(fromPackage) ? { repoURL: fromPackage, repoURLFrom: "package.json", path: treePath } : { path: treePath };
  }
  const treePath = path.relative(repository.root, root).split(path.sep).join("/");
  const origin = await originOf(repository);
  if (origin !== undefined && usable(origin)) return { repoURL: origin, repoURLFrom: "origin", path: treePath };
  const fromPackage = await repositoryOfPackage(root, repository.root);
  if (fromPackage !== undefined && usable(fromPackage)) return { repoURL: fromPackage, repoURLFrom: "package.json", path: treePath };
  return { path: treePath };
}

/** The nearest Git repository holding `dir` (a `.git` directory or file from `dir` upwards). */
export async function gitRepositoryOf(dir: string): Promise<GitRepository | undefined> {
  for (let candidate = path.resolve(dir); ; candidate = path.dirname(candidate)) {
    const dotGit = path.join(candidate, ".git");
    const info = await stat(dotGit).catch(() => undefined);
    if (info?.isDirectory() === true) return { root: candidate, configDir: dotGit };
    if (info?.isFile() === true) {
      // A worktree or submodule: `gitdir: <path>`; a worktree's config is in its common dir.
      const text = await readFile(dotGit, "utf8").catch(() => "");
      const gitdir = /^gitdir:\s*(.+?)\s*$/m.exec(text)?.[1];
      if (gitdir !== undefined) {
        const resolved = path.resolve(candidate, gitdir);
        const common = (await readFile(path.join(resolved, "commondir"), "utf8").catch(() => undefined))?.trim();
        return { root: candidate, configDir: common !== undefined && common !== "" ? path.resolve(resolved, common) : resolved };
      }
    }
    if (path.dirname(candidate) === candidate) return undefined;
  }
}

/** The URL of the `origin` remote in the repository's config, without credentials; undefined when none. */
export async function originOf(repository: GitRepository): Promise<string | undefined> {
  const text = await readFile(path.join(repository.configDir, "config"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const url = remoteUrl(text, "origin");
  return url === undefined ? undefined : withoutCredentials(url);
}

/**
 * The first `url` of `[remote "<name>"]` in a git config file's text (git fetches from the first).
 * Section names are case-insensitive, the subsection (the remote's name) is not; values may be quoted.
 */
export function remoteUrl(config: string, name: string): string | undefined {
  let inRemote = false;
  for (const raw of config.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const section = /^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (section !== null) {
      inRemote = section[1]!.toLowerCase() === "remote" && section[2]?.replace(/\\(.)/g, "$1") === name;
      continue;
    }
    if (!inRemote) continue;
    const entry = /^([A-Za-z][A-Za-z0-9-]*)\s*=\s*(.*)$/.exec(line);
    if (entry === null || entry[1]!.toLowerCase() !== "url") continue;
    const value = entry[2]!.replace(/\s+[#;].*$/, "").trim();
    return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1).replace(/\\(.)/g, "$1") : value;
  }
  return undefined;
}

/** An https URL's user and password (a token) never go into a committed file. */
export function withoutCredentials(url: string): string {
  const match = /^(https?:\/\/)[^@/]+@(.*)$/.exec(url);
  if (match !== null) return `${match[1]}${match[2]}`;
  // ssh://user:password@host: the user stays (ssh needs it), the password goes.
  return url.replace(/^(ssh:\/\/[^:@/]+):[^@/]*@/, "$1@");
}

/**
 * The `repository` of the nearest package.json from `from` upwards (up to `stopAt`, the
 * repository's root, when given; never one inside node_modules, such as this package's own), as a
 * URL Argo CD can clone: `git+https://…` loses its `git+`, `github:owner/repo` and `owner/repo`
 * become GitHub URLs.
 */
export async function repositoryOfPackage(from: string, stopAt?: string): Promise<string | undefined> {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const text = dir.split(path.sep).includes("node_modules") ? undefined : await readFile(path.join(dir, "package.json"), "utf8").catch(() => undefined);
    if (text !== undefined) {
      let repository: unknown;
      try {
        repository = (JSON.parse(text) as { repository?: unknown }).repository;
      } catch {
        return undefined;
      }
      const raw = typeof repository === "string" ? repository : (repository as { url?: unknown } | undefined)?.url;
      return typeof raw === "string" ? normalizeRepository(raw) : undefined;
    }
    if (path.dirname(dir) === dir || (stopAt !== undefined && dir === path.resolve(stopAt))) return undefined;
  }
}

function normalizeRepository(raw: string): string {
  const shorthand = /^(?:(github|gitlab|bitbucket):)?([\w.-]+)\/([\w.-]+)$/.exec(raw);
  if (shorthand !== null) {
    const host = { github: "github.com", gitlab: "gitlab.com", bitbucket: "bitbucket.org" }[shorthand[1] ?? "github"];
    return `https://${host}/${shorthand[2]}/${shorthand[3]!.replace(/\.git$/, "")}.git`;
  }
  return withoutCredentials(raw.replace(/^git\+/, ""));
}
