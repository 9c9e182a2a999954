// Writes N realistic environment files (tenants, regions, previews) for the bench and the stress
// script: pinned and unpinned images, ingress with and without TLS, resources, config, storage,
// disruption budgets, a few without their own Namespace (environments never share one: generate
// refuses that).
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Writes `count` environment files into `dir` and returns their paths, in name order. */
export function writeEnvironmentFiles(dir, count) {
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < count; i += 1) {
    const name = `env-${String(i).padStart(4, "0")}`;
    const production = i % 4 === 0;
    const namespace = `argusai-${name}`;
    const lines = [
      `name: ${name}`,
      `namespace: ${namespace}`,
      ...(production ? ["production: true"] : []),
      ...(i % 7 === 3 ? ["createNamespace: false"] : []),
      ...(production || i % 3 === 0 ? [`images:`, `  backend: { tag: "1.${i % 9}.${i % 5}" }`, `  frontend: { tag: "1.${i % 9}.${i % 5}" }`] : []),
      `replicas:`,
      `  frontend: ${production ? 2 + (i % 2) : 1 + (i % 3)}`,
      ...(i % 2 === 0
        ? [`resources:`, `  frontend:`, `    limits: { memory: ${512 + (i % 4) * 128}Mi }`, `  backend:`, `    requests: { cpu: ${100 + (i % 5) * 50}m }`]
        : []),
      `config:`,
      `  LOG_LEVEL: ${["INFO", "WARNING", "DEBUG"][i % 3]}`,
      `  TENANT: "${name}"`,
      `secret:`,
      `  mode: ${production || i % 5 !== 2 ? "existing" : "generated"}`,
      ...(i % 3 !== 2 ? [`ingress:`, `  host: ${name}.example.com`, ...(i % 2 === 0 ? [`  tlsSecretName: ${name}-tls`] : []), `  className: nginx`] : []),
      ...(i % 4 === 1 ? [`storage:`, `  className: standard`, `  size: ${10 + (i % 6) * 5}Gi`] : []),
      ...(production ? [`disruptionBudgets:`, `  frontend: { minAvailable: 1 }`] : []),
    ];
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, `${lines.join("\n")}\n`);
    files.push(file);
  }
  return files;
}
