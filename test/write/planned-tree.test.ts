import { chmod, cp, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ArgusKustomizeError } from "../../src/errors.js";
import { argusBase } from "../../src/model/base.js";
import { devEnvironment, prodEnvironment } from "../../src/model/built-in-environments.js";
import { check, generate } from "../../src/index.js";
import { kubectlRenderer } from "../../src/render/kustomize.js";
import { resolveInside } from "../../src/tree/layout.js";
import { RECORD_FILE, readRecord } from "../../src/tree/record.js";
import { toYaml } from "../../src/write/yaml.js";
import { failureOf, renderer, runCli, snapshotTree, tempDir } from "../helpers.js";

describe("generate writes a deterministic, owned tree", () => {
  it("writes byte-identical trees on two runs and in two directories", async () => {
    const first = await tempDir();
    const second = await tempDir();
    await generate({ dir: first, renderer });
    const once = await snapshotTree(first);
    const again = await generate({ dir: first, renderer });
    expect(again.written).toEqual([]);
    expect(await snapshotTree(first)).toEqual(once);

    await generate({ dir: second, renderer });
    const other = await snapshotTree(second);
    const withoutSecrets = (tree: Map<string, string>) => new Map([...tree].filter(([file]) => !file.endsWith("secrets.env")));
    expect(withoutSecrets(other)).toEqual(withoutSecrets(once));
    // Each machine gets its own random dev secrets.
    expect(other.get("overlays/dev/secrets.env")).not.toEqual(once.get("overlays/dev/secrets.env"));
  });

  it("writes LF-only YAML with a trailing newline and apiVersion/kind/metadata first", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    for (const [file, text] of await snapshotTree(dir)) {
      expect(text.endsWith("\n"), file).toBe(true);
      expect(text.includes("\r"), file).toBe(false);
    }
    const deployment = await readFile(path.join(dir, "base/backend-deployment.yaml"), "utf8");
    expect(deployment.split("\n").slice(0, 4)).toEqual(["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: argusai-backend"]);
  });

  it("lists exactly the files it owns, and not the dev secrets", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const record = await readRecord(dir);
    const onDisk = [...(await snapshotTree(dir)).keys()].sort();
    expect(record.files).toEqual(onDisk.filter((file) => file !== "overlays/dev/secrets.env"));
    expect(record.seeds).toEqual(["overlays/dev/secrets.env"]);
    expect(record.environments).toEqual([{ builtin: "dev" }, { builtin: "prod" }]);
  });

  it("never overwrites the dev secrets once created", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    // Secrets: readable by their owner only.
    expect((await stat(path.join(dir, "overlays/dev/secrets.env"))).mode & 0o777).toBe(0o600);
    const mine = "ENCRYPTION_KEY=my-own\nJWT_SECRET_KEY=also-mine\n";
    await writeFile(path.join(dir, "overlays/dev/secrets.env"), mine);
    const result = await generate({ dir, renderer });
    expect(result.seeded).toEqual([]);
    expect(await readFile(path.join(dir, "overlays/dev/secrets.env"), "utf8")).toBe(mine);
  });

  it("keeps a user's own file in overlays/prod and base, and check ignores it", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    await writeFile(path.join(dir, "overlays/prod/README.local.md"), "my notes\n");
    await writeFile(path.join(dir, "base/extra.yaml"), "kind: Mine\n");
    await generate({ dir, renderer });
    expect(await check({ dir })).toEqual([]);
    await generate({ dir, environments: [devEnvironment()], renderer });
    expect(await readFile(path.join(dir, "overlays/prod/README.local.md"), "utf8")).toBe("my notes\n");
    expect(await readFile(path.join(dir, "base/extra.yaml"), "utf8")).toBe("kind: Mine\n");
  });

  it("deletes only owned files that are no longer generated", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    await writeFile(path.join(dir, "overlays/prod/mine.yaml"), "kind: Mine\n");
    const result = await generate({ dir, environments: [devEnvironment()], renderer });
    expect(result.deleted).toEqual([
      "argocd/prod.yaml",
      "overlays/prod/frontend-pdb.yaml",
      "overlays/prod/kustomization.yaml",
      "overlays/prod/patches/frontend-deployment.yaml",
    ]);
    const tree = await snapshotTree(dir);
    expect([...tree.keys()].filter((file) => file.startsWith("overlays/prod/"))).toEqual(["overlays/prod/mine.yaml"]);
  });

  it("refuses to overwrite a file it does not own, and changes nothing", async () => {
    const dir = await tempDir();
    await generate({ dir, environments: [devEnvironment()], renderer });
    await mkdir(path.join(dir, "overlays/prod"), { recursive: true });
    await writeFile(path.join(dir, "overlays/prod/kustomization.yaml"), "# hand-written\n");
    const before = await snapshotTree(dir);
    const error = await failureOf(generate({ dir, environments: [devEnvironment(), prodEnvironment()], renderer }));
    expect(error.code).toBe("WRITE_FAILED");
    expect(error.message).toContain("overlays/prod/kustomization.yaml");
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("leaves every file as it was when rendering fails", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const before = await snapshotTree(dir);
    const missing = kubectlRenderer("/nonexistent/kubectl");
    const error = await failureOf(generate({ dir, environments: [devEnvironment(), prodEnvironment({ image: { tag: "2.0.0" } })], renderer: missing }));
    expect(error.code).toBe("KUBECTL_NOT_FOUND");
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("treats a kustomize warning as a failure and changes nothing", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const before = await snapshotTree(dir);
    // A renderer that succeeds but warns on stderr, as kustomize does for deprecated fields.
    const script = path.join(await tempDir(), "warning-kubectl");
    await writeFile(script, `#!/bin/sh\necho "# Warning: 'commonLabels' is deprecated" >&2\nexec ${renderer.binary} "$@"\n`);
    await chmod(script, 0o755);
    const error = await failureOf(generate({ dir, renderer: { ...renderer, binary: script } }));
    expect(error.code).toBe("KUSTOMIZE_BUILD_FAILED");
    expect(error.message).toMatch(/warned: # Warning: 'commonLabels' is deprecated/);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("refuses to write a tree that breaks a policy or the schema (VALIDATION_FAILED), and changes nothing", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    const before = await snapshotTree(dir);
    const base = argusBase();
    const container = base.workloads.backend.object.spec!.template.spec!.containers[0]!;
    container.securityContext = { ...container.securityContext, privileged: true };
    (container as unknown as Record<string, unknown>)["imagePullPolicyy"] = "Always";
    const error = await failureOf(generate({ dir, base, renderer }));
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.problems).toEqual(
      expect.arrayContaining([
        {
          environment: "dev",
          file: "overlays/dev",
          message:
            "[schema-unknown-field] Deployment/argusai-backend spec.template.spec.containers.0.imagePullPolicyy: is not a field of the Kubernetes schema (kustomize merges a misspelled field silently; the API server drops or rejects it) (fix: fix the spelling, or remove the field)",
        },
        {
          environment: "prod",
          file: "overlays/prod",
          message:
            "[pss-privileged] Deployment/argusai-backend spec.template.spec.containers.0.securityContext.privileged: is true (fix: remove privileged: true, hostNetwork, hostPID and hostIPC)",
        },
      ]),
    );
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("refuses a directory standing where a file goes, and a file standing where the target goes", async () => {
    const dir = await tempDir();
    await mkdir(path.join(dir, "base/kustomization.yaml"), { recursive: true });
    const before = await snapshotTree(dir);
    expect((await failureOf(generate({ dir, renderer }))).code).toBe("WRITE_FAILED");
    expect(await snapshotTree(dir)).toEqual(before);

    const file = path.join(await tempDir(), "a-file");
    await writeFile(file, "x\n");
    const error = await failureOf(generate({ dir: path.join(file, "tree"), renderer }));
    expect(error.code).toBe("WRITE_FAILED");
    expect(error.message).toMatch(/not writable \(ENOTDIR\)/);
  });

  it("refuses a read-only target directory with WRITE_FAILED (exit 2), changing nothing", async () => {
    const parent = await tempDir();
    await chmod(parent, 0o755);
    const readOnly = path.join(parent, "tree");
    await mkdir(readOnly);
    await writeFile(path.join(readOnly, "mine.txt"), "mine\n");
    await chmod(readOnly, 0o555);
    // Root writes through any mode bits: as root, run the CLI as nobody so the bits count.
    const result = await runCli(["generate", "--dir", readOnly], { asNobody: true, env: { HOME: parent } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^argusai-kustomize: WRITE_FAILED: the target directory .*tree is not writable \(EACCES\)\n$/);
    expect(await snapshotTree(readOnly)).toEqual(new Map([["mine.txt", "mine\n"]]));
  });

  it("never resolves a path outside the target directory", () => {
    for (const bad of ["../x", "/etc/passwd", "overlays/../../x", "overlays/./x", "a\\b", ""]) {
      expect(() => resolveInside("/tmp/root", bad)).toThrow(ArgusKustomizeError);
    }
    expect(resolveInside("/tmp/root", "overlays/dev/kustomization.yaml")).toBe("/tmp/root/overlays/dev/kustomization.yaml");
  });
});

describe("check", () => {
  it("passes after generate and reports an edited, a missing and a stale file", async () => {
    const dir = await tempDir();
    await generate({ dir, renderer });
    expect(await check({ dir })).toEqual([]);

    const copy = await tempDir();
    await cp(dir, copy, { recursive: true });
    await writeFile(path.join(copy, "base/backend-deployment.yaml"), "edited\n");
    await rm(path.join(copy, "overlays/prod/frontend-pdb.yaml"));
    // A file an earlier version generated: on the record's list, but no longer generated.
    const record = JSON.parse(await readFile(path.join(copy, RECORD_FILE), "utf8")) as { files: string[] };
    await writeFile(path.join(copy, "overlays/prod/old.yaml"), toYaml([{ kind: "Old" }]));
    await writeFile(path.join(copy, RECORD_FILE), JSON.stringify({ ...record, files: [...record.files, "overlays/prod/old.yaml"] }));

    const drift = await check({ dir: copy });
    expect(drift.map(({ path: file, status }) => `${status} ${file}`)).toEqual([
      `changed ${RECORD_FILE}`,
      "changed base/backend-deployment.yaml",
      "missing overlays/prod/frontend-pdb.yaml",
      "stale overlays/prod/old.yaml",
    ]);
  });
});
