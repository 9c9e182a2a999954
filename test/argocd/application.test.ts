/** argocd/: Applications written, schema-validated, pointing at overlays that render without warnings. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { describe, expect, it } from "vitest";
import { application, autoscaledDeployments, ARGOCD_REPO_URL_PLACEHOLDER, type ArgoCDSettings } from "../../src/argocd/application.js";
import { repositoryOfPackage } from "../../src/argocd/source.js";
import { ARGUSAI_COMPONENTS } from "../../src/model/components.js";
import { prodEnvironment } from "../../src/model/built-in-environments.js";
import type { EnvironmentSpec } from "../../src/model/environment-spec.js";
import { renderKustomization } from "../../src/render/kustomize.js";
import { findObject, renderer, runCli, snapshotTree, tempDir, type CliRun, type KObject } from "../helpers.js";

/** The CLI run in `cwd` (the project whose package.json gives the repoURL default). */
function runIn(cwd: string, args: readonly string[]): Promise<CliRun> {
  return runCli(args, { cwd });
}

const STAGING_ARGOCD = `name: staging
namespace: argusai-staging
production: true
images:
  backend: { tag: "1.4.2" }
  frontend: { tag: "1.4.2" }
secret:
  mode: existing
argocd:
  enabled: true
  automated: { prune: true }
`;

async function readApplication(dir: string, environment: string): Promise<KObject> {
  return parse(await readFile(path.join(dir, `argocd/${environment}.yaml`), "utf8")) as KObject;
}

describe("argocd/ Applications", () => {
  it("writes prod's Application: repoURL from package.json, schema-valid, path an overlay that renders with 0 warnings", async () => {
    const project = await tempDir();
    await writeFile(
      path.join(project, "package.json"),
      JSON.stringify({ name: "gitops", repository: { type: "git", url: "git+https://github.com/example/gitops.git" } }),
    );
    const result = await runIn(project, ["generate", "--dir", "deploy"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("argocd/prod.yaml: Argo CD Application argusai-prod, https://github.com/example/gitops.git path overlays/prod\n");
    const dir = path.join(project, "deploy");
    const tree = await snapshotTree(dir);
    expect([...tree.keys()].filter((file) => file.startsWith("argocd/"))).toEqual(["argocd/prod.yaml"]);

    const app = await readApplication(dir, "prod");
    expect(() => new Application(app as never).validate()).not.toThrow();
    expect(app["apiVersion"]).toBe("argoproj.io/v1alpha1");
    expect(app["kind"]).toBe("Application");
    expect(app["metadata"]).toEqual({
      name: "argusai-prod",
      namespace: "argocd",
      labels: { app: "argusai", "app.kubernetes.io/name": "argusai", "app.kubernetes.io/part-of": "argusai", environment: "prod" },
    });
    expect(app["spec"]["project"]).toBe("default");
    expect(app["spec"]["source"]).toEqual({ repoURL: "https://github.com/example/gitops.git", targetRevision: "HEAD", path: "overlays/prod" });
    expect(app["spec"]["destination"]).toEqual({ server: "https://kubernetes.default.svc", namespace: "argusai" });
    // prod does not own its Namespace: Argo CD creates it, labelled for restricted Pod Security.
    expect(app["spec"]["syncPolicy"]["syncOptions"]).toEqual(["CreateNamespace=true"]);
    expect(app["spec"]["syncPolicy"]["managedNamespaceMetadata"]).toEqual({
      labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" },
    });
    // Automated sync is off by default; no autoscaler, so nothing to ignore.
    expect(app["spec"]["syncPolicy"]["automated"]).toBeUndefined();
    expect(app["spec"]["ignoreDifferences"]).toBeUndefined();

    const rendered = await renderKustomization(path.join(dir, app["spec"]["source"]["path"]), renderer);
    expect(rendered.warnings).toEqual([]);
    expect(rendered.objects.every((object) => (object["metadata"] as KObject)["namespace"] === app["spec"]["destination"]["namespace"])).toBe(true);
    expect((await runIn(project, ["check", "--dir", "deploy"])).code).toBe(0);
  });

  it("the path is the tree's directory inside the Git repository", async () => {
    const repo = await tempDir();
    await mkdir(path.join(repo, ".git"));
    await writeFile(path.join(repo, "package.json"), JSON.stringify({ name: "gitops", repository: "github:example/gitops" }));
    expect((await runIn(repo, ["generate", "--dir", "clusters/argusai"])).code).toBe(0);
    const app = await readApplication(path.join(repo, "clusters/argusai"), "prod");
    expect(app["spec"]["source"]).toEqual({ repoURL: "https://github.com/example/gitops.git", targetRevision: "HEAD", path: "clusters/argusai/overlays/prod" });
  });

  it("options are recorded: a plain generate and check reproduce them; an opted-in env file gets automated sync without CreateNamespace", async () => {
    const dir = await tempDir();
    const envFile = path.join(dir, "staging.yaml");
    await writeFile(envFile, STAGING_ARGOCD);
    const args = [
      "--repo-url",
      "git@github.com:example/gitops.git",
      "--target-revision",
      "release-1",
      "--project",
      "argusai",
      "--dest-name",
      "prod-cluster",
      "--app-namespace",
      "gitops",
    ];
    expect((await runIn(dir, ["generate", "--dir", ".", "--env-file", "staging.yaml", ...args])).code).toBe(0);
    const staging = await readApplication(dir, "staging");
    expect(() => new Application(staging as never).validate()).not.toThrow();
    expect(staging["metadata"]["namespace"]).toBe("gitops");
    expect(staging["spec"]["project"]).toBe("argusai");
    expect(staging["spec"]["source"]).toEqual({ repoURL: "git@github.com:example/gitops.git", targetRevision: "release-1", path: "overlays/staging" });
    expect(staging["spec"]["destination"]).toEqual({ name: "prod-cluster", namespace: "argusai-staging" });
    // staging owns its Namespace (with the labels): no CreateNamespace, no managed metadata.
    expect(staging["spec"]["syncPolicy"]).toEqual({ automated: { prune: true, selfHeal: false } });

    const record = JSON.parse(await readFile(path.join(dir, ".argusai-kustomize.json"), "utf8")) as { argocd: unknown };
    expect(record.argocd).toEqual({
      repoURL: "git@github.com:example/gitops.git",
      targetRevision: "release-1",
      project: "argusai",
      destinationName: "prod-cluster",
      applicationNamespace: "gitops",
    });
    expect(await runIn(dir, ["check", "--dir", "."])).toEqual({ code: 0, stdout: "tree is up to date\n", stderr: "" });
    const before = await snapshotTree(dir);
    expect((await runIn(dir, ["generate", "--dir", "."])).code).toBe(0);
    expect(await snapshotTree(dir)).toEqual(before);

    // A hand edit of an Application is drift like any other generated file.
    await writeFile(path.join(dir, "argocd/staging.yaml"), (await readFile(path.join(dir, "argocd/staging.yaml"), "utf8")).replace("release-1", "main"));
    const drift = await runIn(dir, ["check", "--dir", "."]);
    expect(drift.code).toBe(1);
    expect(drift.stdout).toContain("-    targetRevision: main\n+    targetRevision: release-1\n");
    expect(drift.stderr).toContain("hint: argocd/staging.yaml is generated from staging.yaml: change that file");
  });

  it("refuses an Argo CD opt-in for an environment whose Secret is generated on this machine, naming file:line, environment and field; nothing written", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "laptop.yaml"), "name: laptop\nnamespace: argusai-laptop\nsecret:\n  mode: generated\nargocd:\n  enabled: true\n");
    const result = await runIn(dir, ["generate", "--dir", ".", "--env-file", "laptop.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'laptop.yaml:6: environment "laptop", field argocd.enabled: cannot be true: secret.mode is generated: its secrets.env exists only on this machine',
    );
    expect([...(await snapshotTree(dir)).keys()]).toEqual(["laptop.yaml"]);
  });

  it("--argocd writes an Application for every environment Argo CD can sync, leaving out dev (its Secret is machine-local)", async () => {
    const dir = await tempDir();
    // staging does not opt in itself: the flag brings it in.
    await writeFile(path.join(dir, "staging.yaml"), "name: staging\nnamespace: argusai-staging\nsecret: { mode: existing }\n");
    const result = await runIn(dir, ["generate", "--dir", ".", "--env-file", "staging.yaml", "--argocd", "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { ok: boolean; applications: Array<{ environment: string; file: string }> };
    expect(json.ok).toBe(true);
    expect(json.applications.map((application) => [application.environment, application.file])).toEqual([
      ["prod", "argocd/prod.yaml"],
      ["staging", "argocd/staging.yaml"],
    ]);
    expect([...(await snapshotTree(dir)).keys()].filter((file) => file.startsWith("argocd/")).sort()).toEqual(["argocd/prod.yaml", "argocd/staging.yaml"]);
  });

  it.each([
    [["--repo-url", "not a url"], "--repo-url (argocd.repoURL)"],
    [["--target-revision", "has space"], "--target-revision (argocd.targetRevision)"],
    [["--project", "Bad_Project"], "--project (argocd.project)"],
    [["--dest-server", "kubernetes.default.svc"], "--dest-server (argocd.destinationServer)"],
    [["--app-namespace", "Argo CD"], "--app-namespace (argocd.applicationNamespace)"],
    [["--dest-server", "https://k8s.example.com", "--dest-name", "prod"], "--dest-server / --dest-name"],
  ])("a bad option value %j exits 2 naming the option, nothing written", async (args, field) => {
    const dir = await tempDir();
    const result = await runIn(dir, ["generate", "--dir", ".", ...args, "--json"]);
    expect(result.code).toBe(2);
    const json = JSON.parse(result.stdout) as { error: { code: string; problems: Array<{ field: string }> } };
    expect(json.error.code).toBe("USAGE");
    expect(json.error.problems.map((problem) => problem.field)).toEqual([field]);
    expect((await snapshotTree(dir)).size).toBe(0);
  });

  it.each([
    ["argocd:\n  enabled: yes\n", 10, "argocd.enabled", "must be true or false"],
    ["argocd:\n  automated:\n    prune: 1\n", 11, "argocd.automated.prune", "must be true or false"],
    ["argocd:\n  enabeld: true\n", 10, "argocd.enabeld", "unknown field (did you mean enabled?)"],
  ])("a bad argocd field in an env file exits 2 naming file:line, environment and field (%j)", async (yaml, line, field, message) => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "staging.yaml"), STAGING_ARGOCD.replace(/argocd:[\s\S]*$/, yaml));
    const result = await runIn(dir, ["generate", "--dir", ".", "--env-file", "staging.yaml"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`staging.yaml:${line}: environment "staging", field ${field}: ${message}`);
    expect([...(await snapshotTree(dir)).keys()]).toEqual(["staging.yaml"]);
  });

  it("ignores /spec/replicas of Deployments an autoscaler owns, and keeps a sync from resetting them", () => {
    const settings: ArgoCDSettings = {
      all: false,
      repoURL: "https://github.com/example/gitops.git",
      repoURLIsPlaceholder: false,
      targetRevision: "HEAD",
      project: "default",
      destination: { server: "https://kubernetes.default.svc" },
      applicationNamespace: "argocd",
      treePath: "",
    };
    const spec: EnvironmentSpec<string> = {
      ...prodEnvironment(),
      replicas: {},
      autoscaling: { frontend: { minReplicas: 2, maxReplicas: 5, targetCPUUtilizationPercentage: 70 } },
    };
    expect(autoscaledDeployments(spec, ARGUSAI_COMPONENTS)).toEqual(["argusai-frontend"]);
    expect(autoscaledDeployments(prodEnvironment(), ARGUSAI_COMPONENTS)).toEqual([]);
    const app = application(spec, settings, ARGUSAI_COMPONENTS);
    expect(() => new Application(app).validate()).not.toThrow();
    expect(app.spec.ignoreDifferences).toEqual([{ group: "apps", kind: "Deployment", name: "argusai-frontend", jsonPointers: ["/spec/replicas"] }]);
    expect(app.spec.syncPolicy?.syncOptions).toEqual(["CreateNamespace=true", "RespectIgnoreDifferences=true"]);
  });

  it("reads package.json repository in its forms, and falls back to the placeholder", async () => {
    const dir = await tempDir();
    const read = async (repository: unknown) => {
      await writeFile(path.join(dir, "package.json"), JSON.stringify({ name: "x", ...(repository !== undefined ? { repository } : {}) }));
      return repositoryOfPackage(path.join(dir));
    };
    expect(await read("github:example/gitops")).toBe("https://github.com/example/gitops.git");
    expect(await read("example/gitops")).toBe("https://github.com/example/gitops.git");
    expect(await read("gitlab:example/gitops")).toBe("https://gitlab.com/example/gitops.git");
    expect(await read({ type: "git", url: "git+ssh://git@github.com/example/gitops.git" })).toBe("ssh://git@github.com/example/gitops.git");
    expect(await read(undefined)).toBeUndefined();
    const result = await runIn(dir, ["generate", "--dir", "."]);
    expect(result.code).toBe(0);
    expect((await readApplication(dir, "prod"))["spec"]["source"]["repoURL"]).toBe(ARGOCD_REPO_URL_PLACEHOLDER);
    // The placeholder is not recorded, so a repository added later is picked up by check/generate.
    expect(JSON.parse(await readFile(path.join(dir, ".argusai-kustomize.json"), "utf8"))).not.toHaveProperty("argocd");
  });
});

describe("generated ConfigMaps survive an Argo CD sync", () => {
  it("every overlay's argusai-config carries Prune=false and IgnoreExtraneous (a merge keeps the base's options)", async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, "staging.yaml"), STAGING_ARGOCD);
    expect((await runIn(dir, ["generate", "--dir", ".", "--env-file", "staging.yaml"])).code).toBe(0);
    for (const environment of ["dev", "prod", "staging"]) {
      const rendered = await renderKustomization(path.join(dir, "overlays", environment), renderer);
      const config = findObject(rendered.objects, "ConfigMap", "argusai-config", true);
      expect(config["metadata"]["annotations"]).toEqual({
        "argocd.argoproj.io/compare-options": "IgnoreExtraneous",
        "argocd.argoproj.io/sync-options": "Prune=false",
      });
      // Not on the Secret: a generated Secret is never synced by Argo CD (refused above).
      for (const object of rendered.objects.filter((candidate) => candidate["kind"] === "Secret")) {
        expect((object["metadata"] as KObject)["annotations"]).toBeUndefined();
      }
    }
  });
});
