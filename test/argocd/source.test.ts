/** Where the Applications point: derived afresh from the repository holding the tree, recorded only as a fallback. */
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { deriveSource, remoteUrl, withoutCredentials } from "../../src/argocd/source.js";
import { check, generate } from "../../src/index.js";
import { readRecord } from "../../src/tree/record.js";
import { renderer, runCli, tempDir } from "../helpers.js";

const usable = (url: string) => /^(https?|ssh):\/\//.test(url) || /^[\w.-]+@[\w.-]+:/.test(url);

describe("the origin remote", () => {
  it('reads the first url of [remote "origin"], quoted or not, case as git does', () => {
    const config =
      '[core]\n\tbare = false\n[remote "upstream"]\n\turl = https://x/upstream.git\n[Remote "origin"]\n\tURL = "git@github.com:me/gitops.git" ; mine\n\turl = https://second\n';
    expect(remoteUrl(config, "origin")).toBe("git@github.com:me/gitops.git");
    expect(remoteUrl(config, "Origin")).toBeUndefined();
    expect(remoteUrl('[remote "origin"]\n\tfetch = +refs/heads/*\n', "origin")).toBeUndefined();
  });

  it("never writes credentials into a committed file", () => {
    expect(withoutCredentials("https://x-access-token:ghp_secret@github.com/me/gitops.git")).toBe("https://github.com/me/gitops.git");
    expect(withoutCredentials("ssh://git:pw@host/me/gitops.git")).toBe("ssh://git@host/me/gitops.git");
    expect(withoutCredentials("git@github.com:me/gitops.git")).toBe("git@github.com:me/gitops.git");
  });

  it("order: origin > the repository's own package.json > nothing; a local-path origin is skipped; a worktree's .git file is followed", async () => {
    const outer = await tempDir();
    // Above the repository: never read (it is not this repository's).
    await writeFile(path.join(outer, "package.json"), JSON.stringify({ name: "outer", repository: "github:someone/else" }));
    const repo = path.join(outer, "repo");
    execFileSync("git", ["init", "-q", repo]);
    await mkdir(path.join(repo, "deploy"));
    expect(await deriveSource(path.join(repo, "deploy"), undefined, usable)).toEqual({ path: "deploy" });
    await writeFile(path.join(repo, "package.json"), JSON.stringify({ name: "gitops", repository: "github:me/gitops" }));
    expect(await deriveSource(path.join(repo, "deploy"), undefined, usable)).toEqual({
      repoURL: "https://github.com/me/gitops.git",
      repoURLFrom: "package.json",
      path: "deploy",
    });
    execFileSync("git", ["-C", repo, "remote", "add", "origin", "/srv/git/gitops"]);
    expect((await deriveSource(path.join(repo, "deploy"), undefined, usable)).repoURLFrom).toBe("package.json");
    execFileSync("git", ["-C", repo, "remote", "set-url", "origin", "https://github.com/me/real.git"]);
    // The record is not consulted where the repository is there.
    expect(await deriveSource(path.join(repo, "deploy"), { repoURL: "https://github.com/old/stale.git", path: "old" }, usable)).toEqual({
      repoURL: "https://github.com/me/real.git",
      repoURLFrom: "origin",
      path: "deploy",
    });
    // A worktree: `.git` is a file naming its git dir; the config is in the common dir.
    execFileSync("git", ["-C", repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"]);
    const worktree = path.join(await tempDir(), "wt");
    execFileSync("git", ["-C", repo, "worktree", "add", "-q", worktree]);
    expect(await deriveSource(worktree, undefined, usable)).toEqual({ repoURL: "https://github.com/me/real.git", repoURLFrom: "origin", path: "" });
  });
});

describe("what the record keeps", () => {
  it("a record of an older version (a derived repoURL among the options) no longer wins over origin", async () => {
    const repo = await tempDir();
    execFileSync("git", ["init", "-q", repo]);
    execFileSync("git", ["-C", repo, "remote", "add", "origin", "https://github.com/me/gitops.git"]);
    await generate({ dir: repo, renderer, cache: false });
    // As the older version wrote it: the repoURL it derived from this package's package.json.
    const file = path.join(repo, ".argusai-kustomize.json");
    const old = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
    delete old["source"];
    await writeFile(file, `${JSON.stringify({ ...old, argocd: { repoURL: "https://github.com/argusai/argusai-kustomize.git" } }, null, 2)}\n`);
    const record = await readRecord(repo);
    expect(record.argocd).toBeUndefined();
    expect(record.source).toEqual({ repoURL: "https://github.com/argusai/argusai-kustomize.git", path: "" });
    const result = await generate({ dir: repo, renderer, cache: false });
    expect(result.applications.map((application) => application.repoURL)).toEqual(["https://github.com/me/gitops.git"]);
    expect(await check({ dir: repo })).toEqual([]);
  });

  it("without anything naming the repository: the placeholder, a warning, and validate --strict fails", async () => {
    const dir = await tempDir();
    const generated = await runCli(["generate", "--dir", dir, "--no-cache"]);
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain(
      "argocd/prod.yaml: Argo CD Application argusai-prod, https://git.example.com/set-me/argusai-deploy.git path overlays/prod (a placeholder: set argocd.repoURL in the config, --repo-url, or an origin remote)\n",
    );
    expect(generated.stderr).toMatch(/^warning: environment "prod", field argocd \(spec.source.repoURL\): argocd\/prod.yaml points at the placeholder/m);
    expect((await readRecord(dir)).source).toEqual({ path: "" });
    const strict = await runCli(["validate", "prod", "--strict", "--dir", dir, "--no-cache"]);
    expect(strict.code).toBe(1);
    // Naming it afterwards (here a config) takes effect without touching the record's options.
    await writeFile(path.join(dir, "argusai-kustomize.config.mjs"), 'export default { argocd: { repoURL: "https://github.com/me/gitops.git" } };\n');
    expect((await check({ dir })).map((drift) => drift.path)).toEqual(["argocd/prod.yaml"]);
  });
});
