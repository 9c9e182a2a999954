import { CORE_SCHEMA, loadAll } from "js-yaml";

/**
 * The documents of a YAML stream this tool wrote (a tree's kustomizations, patches and resources),
 * `undefined` when it does not parse. Read with js-yaml and the YAML 1.2 core schema, as
 * kustomize's output is (render/kustomize.ts): the files are written by the `yaml` library, whose
 * default is the same schema, and its document model cost generate and check most of the time
 * of reading them back (the upgrade guards read every overlay twice; the render cache reads each
 * kustomization). That both libraries read every file of the built-in and example trees the same
 * is tested (test/tree/upgrade-guards.test.ts).
 */
export function yamlDocuments(text: string): unknown[] | undefined {
  try {
    return loadAll(text, undefined, { schema: CORE_SCHEMA });
  } catch {
    return undefined;
  }
}
