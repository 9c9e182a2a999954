/** --json: one documented JSON document per run, errors included; exit codes unchanged. */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, tempDir, generatedTree } from "./helpers.js";

describe("--json", () => {
  it("generate: overlays, applications and files as arrays of objects", async () => {
    const dir = await tempDir();
    const result = await runCli(["generate", "--dir", dir, "--json", "--repo-url", "https://github.com/example/gitops.git"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const json = JSON.parse(result.stdout) as Record<string, any>;
    expect(Object.keys(json)).toEqual([
      "command",
      "ok",
      "dir",
      "newTree",
      "configFile",
      "renderer",
      "overlays",
      "applications",
      "notices",
      "files",
      "imageUpdates",
    ]);
    // --dir names the tree: not a new tree found by looking upwards; no config file in it.
    expect(json["newTree"]).toBe(false);
    expect(json["configFile"]).toBeNull();
    expect(json["command"]).toBe("generate");
    expect(json["ok"]).toBe(true);
    expect(json["dir"]).toBe(dir);
    expect(json["renderer"]).toMatch(/^(kubectl kustomize|kustomize build)$/);
    expect(json["overlays"]).toEqual([
      {
        environment: "dev",
        dir: "overlays/dev",
        objects: 9,
        namespaces: ["argusai-dev"],
        images: ["ghcr.io/bbengt1/argusai-backend:latest", "ghcr.io/bbengt1/argusai-frontend:latest"],
      },
      {
        environment: "prod",
        dir: "overlays/prod",
        objects: 8,
        namespaces: ["argusai"],
        images: ["ghcr.io/bbengt1/argusai-backend:0.0.0-set-me", "ghcr.io/bbengt1/argusai-frontend:0.0.0-set-me"],
      },
    ]);
    expect(json["applications"]).toEqual([
      { environment: "prod", file: "argocd/prod.yaml", name: "argusai-prod", repoURL: "https://github.com/example/gitops.git", path: "overlays/prod" },
    ]);
    expect(json["files"]["written"]).toContain("argocd/prod.yaml");
    expect(json["files"]["written"]).toHaveLength(18);
    expect(json["files"]).toMatchObject({ unchanged: [], deleted: [], seeded: ["overlays/dev/secrets.env"], kept: [] });
    expect(json["imageUpdates"]).toEqual([]);
  });

  it("check: ok true on a clean tree (exit 0), false with drift entries (exit 1)", async () => {
    const dir = await generatedTree();
    const clean = await runCli(["check", "--dir", dir, "--json"]);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual({ command: "check", ok: true, dir, drift: [], upgrades: [] });

    await writeFile(path.join(dir, "base/serviceaccount.yaml"), "# edited\n");
    const stale = await runCli(["check", "--dir", dir, "--json"]);
    expect(stale.code).toBe(1);
    const json = JSON.parse(stale.stdout) as { ok: boolean; drift: Array<Record<string, unknown>> };
    expect(json.ok).toBe(false);
    expect(json.drift).toHaveLength(1);
    expect(json.drift[0]).toMatchObject({ path: "base/serviceaccount.yaml", status: "changed", environment: null, source: "component registry" });
    expect(json.drift[0]!["diff"]).toContain("-# edited\n");
  });

  it("validate: one entry per overlay with its violations", async () => {
    const dir = await generatedTree();
    const result = await runCli(["validate", "--dir", dir, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      command: "validate",
      ok: true,
      overlays: [
        { environment: "dev", dir: "overlays/dev", objects: 9, valid: true, placeholderSeeds: [], violations: [], notices: [] },
        {
          environment: "prod",
          dir: "overlays/prod",
          objects: 8,
          valid: true,
          placeholderSeeds: [],
          violations: [],
          notices: [
            ...["backend", "frontend"].map((component) => ({
              level: "warning",
              environment: "prod",
              field: `images.${component}.tag`,
              message: "is the placeholder 0.0.0-set-me, which no registry has: set your release before applying",
            })),
            {
              level: "warning",
              environment: "prod",
              field: "argocd (spec.source.repoURL)",
              message: expect.stringMatching(
                /^argocd\/prod.yaml points at the placeholder https:\/\/git.example.com\/set-me\/argusai-deploy.git: nothing names the repository/,
              ),
            },
          ],
        },
      ],
    });

    // A hand edit that breaks a policy: exit 1, ok false, the violation as data.
    const file = path.join(dir, "overlays/prod/kustomization.yaml");
    await writeFile(file, (await readFile(file, "utf8")).replace("newTag: 0.0.0-set-me", "newTag: latest"));
    const broken = await runCli(["validate", "prod", "--dir", dir, "--json"]);
    expect(broken.code).toBe(1);
    const json = JSON.parse(broken.stdout) as { ok: boolean; overlays: Array<{ valid: boolean; violations: Array<Record<string, string>> }> };
    expect(json.ok).toBe(false);
    expect(json.overlays[0]!.valid).toBe(false);
    expect(json.overlays[0]!.violations.length).toBeGreaterThan(0);
    expect(Object.keys(json.overlays[0]!.violations[0]!).sort()).toEqual(["field", "fix", "message", "object", "policy"]);
  });

  it("an error is JSON on stdout with code, message and problems as data; the exit code is unchanged", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "bad.yaml"), "name: bad\nnamespace: Bad\nsecret:\n  mode: existing\nreplicas:\n  backend: 2\n");
    const result = await runCli(["generate", "--dir", dir, "--env-file", path.join(dir, "bad.yaml"), "--json"]);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { command: string; ok: boolean; error: { code: string; message: string; problems: unknown[] } };
    expect(json.command).toBe("generate");
    expect(json.ok).toBe(false);
    expect(json.error.code).toBe("INVALID_SPEC");
    expect(json.error.problems).toEqual([
      { file: path.join(dir, "bad.yaml"), line: 2, environment: "bad", field: "namespace", message: expect.stringContaining("is not a DNS-1123 label") },
      { file: path.join(dir, "bad.yaml"), line: 6, environment: "bad", field: "replicas.backend", message: expect.stringContaining("must be 0 or 1") },
    ]);

    const tool = await runCli(["validate", "--dir", dir, "--json"], { env: { KUBECTL: "/nonexistent/kubectl" } });
    expect(tool.code).toBe(3);
    expect(JSON.parse(tool.stdout)).toMatchObject({ command: "validate", ok: false, error: { code: "KUBECTL_NOT_FOUND", problems: [] } });
  });
});
