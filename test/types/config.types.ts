/**
 * Compile-time promises of the config file's defineConfig, checked by `tsc --noEmit` in `npm test`:
 * each `@ts-expect-error` line must fail to compile.
 */
import { ARGUSAI_COMPONENTS, defineComponent, defineConfig, type ArgusConfig } from "../../src/index.js";

const worker = defineComponent({
  name: "worker",
  deploymentName: "argusai-worker",
  imageRepository: "ghcr.io/example/worker",
  probes: { action: { exec: { command: ["true"] } }, livenessInitialDelaySeconds: 1, livenessPeriodSeconds: 1, readinessInitialDelaySeconds: 1 },
  singleWriter: false,
  user: { runAsUser: 1000 },
  resources: { requests: { cpu: "1m", memory: "1Mi" }, limits: { cpu: "1m", memory: "1Mi" } },
  readsConfig: false,
});

// A whole config compiles, and keeps the registry's names as a type.
const config = defineConfig({
  components: [...ARGUSAI_COMPONENTS, worker],
  argocd: { repoURL: "https://github.com/me/gitops.git", destination: { name: "prod" } },
});
export const names: Array<"backend" | "frontend" | "worker"> = (config.components ?? []).map((component) => component.name);
export const empty: ArgusConfig = defineConfig({});

// @ts-expect-error a misspelled key
defineConfig({ compnents: [] });
// @ts-expect-error a setting the config does not have
defineConfig({ argocd: { repoUrl: "https://github.com/me/gitops.git" } });
// @ts-expect-error the destination is a server URL or a name, not both
defineConfig({ argocd: { destination: { server: "https://k8s", name: "prod" } } });
// @ts-expect-error targetRevision is a string
defineConfig({ argocd: { targetRevision: 1 } });
