/**
 * Values the API server accepts and that were refused or could not be said before (a wildcard
 * host, a 1Ei volume, an ipBlock with except, tolerations and affinity by the upstream rules),
 * generated, rendered by the real kustomize and asserted field by field, and the overlay passes
 * the schemas and every policy.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generate, render, validate } from "../../src/index.js";
import { findObject, renderer, tempDir, type KObject } from "../helpers.js";

const ENVIRONMENT = `name: edge
namespace: argusai-edge
secret: { mode: existing }
ingress:
  host: "*.edge.example.com"
  className: nginx
storage: { size: 1Ei }
scheduling:
  backend:
    tolerations:
      - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300 }
      - { operator: Exists, effect: NoSchedule }
    affinity:
      nodeAffinity:
        requiredDuringSchedulingIgnoredDuringExecution:
          nodeSelectorTerms:
            - matchExpressions: [{ key: kubernetes.io/arch, operator: In, values: [amd64, arm64] }]
networkPolicy:
  ingressControllerNamespace: ingress-nginx
  egress:
    allowCidrs:
      - 203.0.113.0/24
      - { cidr: 10.0.0.0/8, except: [10.96.0.0/12] }
`;

let dir: string;
let objects: KObject[];

beforeAll(async () => {
  dir = await tempDir();
  const file = path.join(dir, "edge.yaml");
  await writeFile(file, ENVIRONMENT);
  await generate({ dir, renderer, envFiles: [file] });
  objects = (await render("edge", { dir, renderer })).objects as KObject[];
});

describe("fields the API server accepts, rendered", () => {
  it("routes a wildcard host", () => {
    expect(findObject(objects, "Ingress", "argusai")["spec"].rules.map((rule: { host: string }) => rule.host)).toEqual(["*.edge.example.com"]);
  });

  it("asks for a 1Ei data volume", () => {
    expect(findObject(objects, "PersistentVolumeClaim", "argusai-data")["spec"].resources.requests.storage).toBe("1Ei");
  });

  it("writes the tolerations and the node affinity as given", () => {
    const pod = findObject(objects, "Deployment", "argusai-backend")["spec"].template.spec;
    expect(pod.tolerations).toEqual([
      { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
      { operator: "Exists", effect: "NoSchedule" },
    ]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "kubernetes.io/arch", operator: "In", values: ["amd64", "arm64"] }] },
    ]);
  });

  it("writes an ipBlock with its except entries", () => {
    const egress = findObject(objects, "NetworkPolicy", "argusai-backend")["spec"].egress;
    expect(egress.at(-1)).toEqual({ to: [{ ipBlock: { cidr: "203.0.113.0/24" } }, { ipBlock: { cidr: "10.0.0.0/8", except: ["10.96.0.0/12"] } }] });
  });

  it("passes the schemas and every policy", async () => {
    const [result] = await validate(["edge"], { dir, renderer });
    expect(result!.violations).toEqual([]);
  });
});
