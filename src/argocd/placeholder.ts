/**
 * The repoURL written when nothing names the repository (no option, config, origin nor
 * package.json): `validate --strict` fails on it. (A module of its own, so the CLI can name it
 * without loading the Applications' code.)
 */
export const ARGOCD_REPO_URL_PLACEHOLDER = "https://git.example.com/set-me/argusai-deploy.git";
