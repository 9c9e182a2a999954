/*
 * The files `init` writes, as text. Each says what it is for, so a user reading it in their
 * repository needs no other page to start.
 */

/** argusai-kustomize.config.mjs. */
export const CONFIG_TEXT = `// argusai-kustomize.config.mjs: read by every argusai-kustomize command run in this tree
// (generate, check, validate, render, diff). Code lives here; environments live in envs/*.yaml.
import { ARGUSAI_COMPONENTS, defineConfig } from "argusai-kustomize";

export default defineConfig({
  // The components: ArgusAI's backend and frontend, plus any of yours made with defineComponent
  // (import it from "argusai-kustomize"); environments may then set replicas.<yours> and the like.
  components: [...ARGUSAI_COMPONENTS],
  argocd: {
    // Where Argo CD clones this tree from. Default: the \`origin\` remote of this Git repository,
    // else the \`repository\` of its package.json.
    // repoURL: "https://github.com/your-org/your-gitops-repo.git",
    // targetRevision: "main",
    // project: "default",
    // destination: { server: "https://kubernetes.default.svc" },
  },
});
`;

/** envs/staging.yaml, with the schema comment editors (the YAML language server) read. */
export function environmentText(schemaPath: string): string {
  return `# yaml-language-server: $schema=${schemaPath}
# An environment: npx argusai-kustomize generate -f envs/staging.yaml (-f is --env-file)
# Only name, namespace and secret are required; your editor completes the rest from the schema.
name: staging
namespace: argusai-staging
production: true               # images must be pinned, the Secret must come from outside
images:
  backend: { tag: "1.4.2" }     # quote tags: YAML reads 1.10 as the number 1.1
  frontend: { tag: "1.4.2" }
replicas:
  frontend: 2                  # backend: at most 1 (single SQLite writer on a ReadWriteOnce volume)
config:                        # merged into the argusai-config ConfigMap
  LOG_LEVEL: WARNING
secret:
  mode: existing               # kubectl -n argusai-staging create secret generic argusai-secrets ...
argocd:
  enabled: true                # writes argocd/staging.yaml, an Argo CD Application for this overlay
`;
}

/** The .gitignore lines a tree needs. */
export const GITIGNORE_TEXT = `# argusai-kustomize: dev's Secret values, generated on this machine with fresh random values
overlays/*/secrets.env
# what a running generate holds for a moment (its lock and scratch copy)
.argusai-kustomize.lock*
.argusai-kustomize-staging-*
node_modules/
`;

/** .github/workflows/argusai-kustomize.yml, at the repository's root, for the tree at `treePath` in it. */
export function workflowText(treePath: string): string {
  const dir = treePath === "" ? "" : ` --dir ${treePath}`;
  return `# Fails a pull request when the committed tree is not what \`argusai-kustomize generate\` writes
# (a generated file edited by hand, an environment file changed without regenerating), and when
# a rendered overlay breaks the Kubernetes schema or a policy, or still has a placeholder
# (--strict: prod's image version, the Argo CD repoURL). The fix: run generate, commit the result.
name: argusai-kustomize

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  tree:
    runs-on: ubuntu-latest
    container: node:20-alpine
    steps:
      - uses: actions/checkout@v4
      # validate renders with the standalone kustomize (what Argo CD runs); check needs none.
      - name: Install kustomize (and GNU tar for actions/cache)
        run: apk add --no-cache kustomize tar
      - name: Install argusai-kustomize
        run: npm ci --no-audit --no-fund
      # What argusai-kustomize worked out on earlier runs (plans, validations, parsed environment
      # files), each keyed by its exact inputs and by argusai-kustomize's own code, so a stale
      # entry is never used: with it, check answers an unchanged tree without planning it again
      # (500 environments: about 0.3 s instead of 2 s), and validate renders only what changed.
      # After npm ci, which empties node_modules.
      # actions/cache needs GNU tar (installed above): BusyBox tar lacks --posix.
      - name: Restore what argusai-kustomize remembered
        uses: actions/cache@v4
        with:
          path: node_modules/.cache/argusai-kustomize
          key: argusai-kustomize-\${{ hashFiles('package-lock.json') }}-\${{ github.sha }}
          restore-keys: argusai-kustomize-\${{ hashFiles('package-lock.json') }}-
      - name: The committed tree is what generate writes
        run: npx argusai-kustomize check${dir}
      - name: Every overlay passes the Kubernetes schema and the policies
        run: npx argusai-kustomize validate --strict${dir}
`;
}
