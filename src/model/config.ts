import type { ComponentRegistry } from "./components.js";

/*
 * The config file of a user's tree (argusai-kustomize.config.mjs / .js / .ts / .mts at its root):
 * what is code rather than data. Environments are data (environment files); components are code
 * (probes, env functions), and so are repository-wide Argo CD settings a team wants in one
 * reviewed place instead of on every command line.
 */

/** Where a tree's Argo CD Applications point, for every command run on the tree. */
export interface ArgusArgoCDConfig {
  /**
   * The Git repository Argo CD clones (the one holding this tree).
   * @default the `origin` remote of the Git repository holding the tree, else that repository's package.json `repository`
   */
  readonly repoURL?: string;
  /** The branch, tag or commit Argo CD syncs. @default "HEAD" */
  readonly targetRevision?: string;
  /** The Argo CD AppProject. @default "default" */
  readonly project?: string;
  /**
   * The cluster: by its API server URL or by its Argo CD name (one of them).
   * @default { server: "https://kubernetes.default.svc" } (the cluster Argo CD runs in)
   */
  readonly destination?: { readonly server: string; readonly name?: never } | { readonly name: string; readonly server?: never };
}

/**
 * What `argusai-kustomize.config.*` default-exports. Every command (CLI and library) run on the
 * tree reads it; an option given to a command wins over it.
 */
export interface ArgusConfig<C extends string = string> {
  /**
   * The component registry (the whole list: ArgusAI's plus yours).
   * @default ARGUSAI_COMPONENTS
   */
  readonly components?: ComponentRegistry<C>;
  /** Argo CD settings; the command line's --repo-url and the like win over them. */
  readonly argocd?: ArgusArgoCDConfig;
}

/**
 * Types a config file's default export (it returns its argument).
 *
 * @example
 * // argusai-kustomize.config.mjs
 * import { ARGUSAI_COMPONENTS, defineComponent, defineConfig } from "argusai-kustomize";
 * const worker = defineComponent({ name: "worker", ... });
 * export default defineConfig({ components: [...ARGUSAI_COMPONENTS, worker], argocd: { targetRevision: "main" } });
 */
export function defineConfig<const C extends string = string>(config: ArgusConfig<C>): ArgusConfig<C> {
  return config;
}
