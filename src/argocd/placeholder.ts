/**
 * The repoURL written when neither an option nor package.json names the repository: set it.
 * (A module of its own, so the CLI can name it without loading the Applications' code.)
 */
export const ARGOCD_REPO_URL_PLACEHOLDER = "https://git.example.com/set-me/argusai-deploy.git";
