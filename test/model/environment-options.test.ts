/**
 * Bad values of every production option: refused with the file, line, environment and field,
 * before anything is written. In-process (the library), plus one run through the CLI for the exit
 * code and the unchanged tree.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ArgusKustomizeError } from "../../src/errors.js";
import { environmentSourceFromText } from "../../src/model/environment-file.js";
import { loadEnvironments } from "../../src/model/environment-spec.js";
import { resolveEnvironments } from "../../src/tree/resolve-environments.js";
import { STAGING_HEAD_FLOW as HEAD, problemsOf, runCli, snapshotTree, tempDir } from "../helpers.js";

const CASES: Array<[what: string, text: string, line: number, field: string, message: RegExp]> = [
  [
    "a repository with a tag in it",
    "images:\n  backend: { repository: ghcr.io/x/backend:1.0, tag: '1' }\n",
    5,
    "images.backend.repository",
    /is not an image repository/,
  ],
  ["an image with nothing", "images:\n  backend: {}\n", 5, "images.backend", /give a tag, a digest or a repository/],
  ["a kustomize-style newTag", "images:\n  backend: { newTag: '1.0' }\n", 5, "images.backend.newTag", /unknown field/],
  ["a pull secret that is no name", "imagePullSecrets: [Reg_Cred]\n", 4, "imagePullSecrets.0", /"Reg_Cred" is not a DNS-1123 subdomain.*\(a Secret name\)/],
  [
    "autoscaling the single writer",
    "autoscaling:\n  backend: { minReplicas: 1, maxReplicas: 2, targetCPUUtilizationPercentage: 80 }\n",
    5,
    "autoscaling.backend",
    /single writer/,
  ],
  [
    "autoscaling with a fixed count",
    "replicas: { frontend: 2 }\nautoscaling:\n  frontend: { minReplicas: 1, maxReplicas: 2, targetCPUUtilizationPercentage: 80 }\n",
    4,
    "replicas.frontend",
    /the autoscaler .* owns the replica count/,
  ],
  [
    "max below min",
    "autoscaling:\n  frontend: { minReplicas: 3, maxReplicas: 2, targetCPUUtilizationPercentage: 80 }\n",
    5,
    "autoscaling.frontend.maxReplicas",
    /must be at least minReplicas \(3\)/,
  ],
  [
    "an autoscaler without a target",
    "autoscaling:\n  frontend: { minReplicas: 1, maxReplicas: 2 }\n",
    5,
    "autoscaling.frontend.targetCPUUtilizationPercentage",
    /is required/,
  ],
  [
    "both budget kinds",
    "disruptionBudgets:\n  frontend: { minAvailable: 1, maxUnavailable: 1 }\n",
    5,
    "disruptionBudgets.frontend",
    /exactly one of minAvailable or maxUnavailable/,
  ],
  [
    "a budget over 100%",
    "disruptionBudgets:\n  frontend: { maxUnavailable: 150% }\n",
    5,
    "disruptionBudgets.frontend.maxUnavailable",
    /percentage from 0% to 100%/,
  ],
  [
    "a budget that blocks drains with the autoscaler's minimum",
    "autoscaling:\n  frontend: { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 50 }\ndisruptionBudgets:\n  frontend: { minAvailable: 2 }\n",
    7,
    "disruptionBudgets.frontend.minAvailable",
    /2 with 2 replica\(s\) would block every node drain/,
  ],
  ["a network policy without the controller's namespace", "networkPolicy: {}\n", 4, "networkPolicy.ingressControllerNamespace", /is required/],
  [
    "an egress CIDR that is not one",
    "networkPolicy:\n  ingressControllerNamespace: ingress-nginx\n  egress: { allowCidrs: [10.0.0.0] }\n",
    6,
    "networkPolicy.egress.allowCidrs.0",
    /is not a CIDR/,
  ],
  [
    "a toleration effect that does not exist",
    "scheduling:\n  backend:\n    tolerations: [{ key: a, effect: Never }]\n",
    6,
    "scheduling.backend.tolerations.0.effect",
    /must be "NoSchedule", "PreferNoSchedule" or "NoExecute"/,
  ],
  [
    "an affinity kind that does not exist",
    "scheduling:\n  frontend:\n    affinity: { nodeAffinty: {} }\n",
    6,
    "scheduling.frontend.affinity.nodeAffinty",
    /unknown field|is not nodeAffinity, podAffinity or podAntiAffinity/,
  ],
  [
    "scheduling for a component that does not exist",
    "scheduling:\n  worker: { nodeSelector: { a: b } }\n",
    5,
    "scheduling.worker",
    /unknown field \(known: backend, frontend\)/,
  ],
  ["a label value with a space", "services:\n  labels: { team: 'a b' }\n", 5, "services.labels.team", /is not a valid label value/],
  ["an annotation key with two slashes", "serviceAccount:\n  annotations: { a/b/c: x }\n", 5, "serviceAccount.annotations.a/b/c", /is not a valid key/],
  [
    "an access mode that does not exist",
    "storage:\n  accessMode: ReadOnlyMany\n",
    5,
    "storage.accessMode",
    /must be "ReadWriteOnce", "ReadWriteOncePod" or "ReadWriteMany"/,
  ],
  [
    "an ingress annotation that is a number",
    "ingress:\n  host: a.example.com\n  annotations: { nginx.ingress.kubernetes.io/proxy-read-timeout: 3600 }\n",
    6,
    "ingress.annotations.nginx.ingress.kubernetes.io/proxy-read-timeout",
    /must be a string/,
  ],
  [
    "a patch op that does not exist",
    "patches:\n  - target: { kind: Deployment, name: argusai-backend }\n    operations: [{ op: move, path: /a, from: /b }]\n",
    6,
    "patches.0.operations.0.op",
    /./,
  ],
  [
    "a patch without operations",
    "patches:\n  - target: { kind: Deployment, name: argusai-backend }\n    operations: []\n",
    6,
    "patches.0.operations",
    /at least one operation/,
  ],
];

describe("bad values of the production options", () => {
  it.each(CASES)("%s: refused with file, line, environment and field", (_what, body, line, field, message) => {
    const problems = problemsOf(`${HEAD}${body}`);
    const problem = problems.find((candidate) => candidate.field === field);
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem).toMatchObject({ file: "env.yaml", line, environment: "staging" });
    expect(problem!.message).toMatch(message);
  });

  it("refuses two environments in one namespace, naming both", () => {
    const other = environmentSourceFromText("name: other\nnamespace: argusai-staging\nsecret: { mode: existing }\n", "other.yaml");
    try {
      loadEnvironments([environmentSourceFromText(HEAD, "env.yaml"), other]);
      expect.unreachable();
    } catch (error) {
      expect((error as ArgusKustomizeError).problems).toEqual([
        {
          file: "other.yaml",
          line: 2,
          environment: "other",
          field: "namespace",
          message: '"argusai-staging" is already the namespace of environment "staging" (env.yaml); environments must not share a namespace',
        },
      ]);
    }
  });

  it("refuses a user environment in prod's namespace", async () => {
    const dir = await tempDir();
    const file = path.join(dir, "takeover.yaml");
    await writeFile(file, "name: takeover\nnamespace: argusai\nsecret: { mode: existing }\n");
    await expect(resolveEnvironments({ dir, envFiles: [file] })).rejects.toThrow(
      /takeover.yaml:2: environment "takeover", field namespace: "argusai" is already the namespace of environment "prod"/,
    );
  });

  it.each([
    [
      "a target the base does not have",
      "patches:\n  - target: { kind: Service, name: argusai-api }\n    operations: [{ op: remove, path: /spec/type }]\n",
      "TARGET_NOT_FOUND",
      /:5: environment "staging", field patches.0.target: the base has no Service named argusai-api/,
    ],
    [
      "a path that does not resolve",
      "patches:\n  - target: { kind: Service, name: argusai-backend }\n    operations:\n      - { op: remove, path: /spec/nope }\n",
      "PATCH_PATH_UNRESOLVABLE",
      /:7: environment "staging", field patches.0.operations.0: the path does not resolve/,
    ],
    [
      "an operation that changes nothing",
      "patches:\n  - target: { kind: Service, name: argusai-backend }\n    operations:\n      - { op: replace, path: /spec/type, value: ClusterIP }\n",
      "PATCH_NO_EFFECT",
      /:7: environment "staging", field patches.0.operations.0: replace \/spec\/type changes nothing/,
    ],
    [
      "a container that does not exist",
      "patches:\n  - target: { kind: Deployment, name: argusai-backend }\n    container: api\n    operations: [{ op: add, path: /tty, value: true }]\n",
      "PATCH_CONTAINER_NOT_FOUND",
      /:6: environment "staging", field patches.0.container: Deployment argusai-backend has no container named "api"/,
    ],
  ])("an escape-hatch patch with %s is refused with its file and line", async (_what, body, code, message) => {
    const dir = await tempDir();
    const file = path.join(dir, "staging.yaml");
    await writeFile(file, `${HEAD}${body}`);
    const error = await resolveEnvironments({ dir, envFiles: [file] }).then(
      () => undefined,
      (thrown: unknown) => thrown as ArgusKustomizeError,
    );
    expect(error?.code).toBe(code);
    expect(error?.message).toMatch(message);
  });

  it("through the CLI: exit 2, the problem on stderr, nothing written", async () => {
    const dir = await tempDir();
    const file = path.join(await tempDir(), "staging.yaml");
    await writeFile(file, `${HEAD}autoscaling:\n  backend: { minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 80 }\n`);
    const before = await snapshotTree(dir);
    const result = await runCli(["generate", "--dir", dir, "--env-file", file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/staging.yaml:5: environment "staging", field autoscaling.backend: the backend is a single writer/);
    expect(await snapshotTree(dir)).toEqual(before);
  });
});
