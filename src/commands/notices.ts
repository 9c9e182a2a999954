import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { applicationFile, ARGOCD_REPO_URL_PLACEHOLDER, type PlanWithApplications } from "../argocd/application.js";
import type { EnvironmentNotice } from "../model/built-in-environments.js";
import { resolveInside } from "../tree/layout.js";

/*
 * An Application whose repoURL is the placeholder cannot sync: nothing named the repository (no
 * option, config, `origin` remote nor package.json). No URL is guessed; generate writes the
 * placeholder and says how to set one, and `validate --strict` fails on it, so CI stops it.
 */

const HOW_TO_SET =
  "set it with argocd.repoURL in argusai-kustomize.config.*, or --repo-url, or add an `origin` remote to the Git repository holding the tree, then run generate";

function placeholderNotice(environment: string): EnvironmentNotice {
  return {
    level: "warning",
    environment,
    field: "argocd (spec.source.repoURL)",
    message: `${applicationFile(environment)} points at the placeholder ${ARGOCD_REPO_URL_PLACEHOLDER}: nothing names the repository holding the tree; ${HOW_TO_SET}`,
  };
}

/** The warnings about the Applications a generate writes. */
export function applicationNotices(argocd: Pick<PlanWithApplications, "settings" | "applications">): EnvironmentNotice[] {
  return argocd.settings.repoURLIsPlaceholder ? argocd.applications.map((application) => placeholderNotice(application.environment)) : [];
}

/** The same warning, read from the Application of `environment` on disk (validate reads the tree as it is). */
export async function applicationNoticesOnDisk(dir: string, environment: string, owned: ReadonlySet<string>): Promise<EnvironmentNotice[]> {
  const file = applicationFile(environment);
  if (!owned.has(file)) return [];
  const text = await readFile(resolveInside(dir, file), "utf8").catch(() => undefined);
  if (text === undefined) return [];
  let repoURL: unknown;
  try {
    repoURL = (parse(text) as { spec?: { source?: { repoURL?: unknown } } } | null)?.spec?.source?.repoURL;
  } catch {
    return [];
  }
  return repoURL === ARGOCD_REPO_URL_PLACEHOLDER ? [placeholderNotice(environment)] : [];
}
