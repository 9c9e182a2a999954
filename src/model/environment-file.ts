import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";
import { ArgusKustomizeError } from "../errors.js";
import type { EnvironmentSource, FieldPath } from "./environment-spec.js";

/**
 * Reads one environment from the text of a YAML or JSON file (JSON is YAML 1.2). Pure: the
 * caller reads the file. Validation is left to `loadEnvironments`, which gets a `lineOf` here so
 * every problem can name its line.
 *
 * @throws ArgusKustomizeError INVALID_SPEC for malformed YAML, an empty file, several documents or a non-mapping
 * @example
 * const source = environmentSourceFromText(await readFile("envs/staging.yaml", "utf8"), "envs/staging.yaml");
 * const [staging] = loadEnvironments([source]);
 */
export function environmentSourceFromText(text: string, file: string): EnvironmentSource {
  const lineCounter = new LineCounter();
  // uniqueKeys: a key given twice is an error, not "last one wins".
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const fail = (message: string, line?: number) =>
    new ArgusKustomizeError("INVALID_SPEC", message, { location: { file: `${file}${line !== undefined ? `:${line}` : ""}` } });

  if (!Array.isArray(documents)) throw fail("not a YAML stream");
  const errors = documents.flatMap((document) => document.errors);
  if (errors.length > 0) {
    const first = errors[0]!;
    throw fail(`malformed YAML or JSON: ${first.message.split("\n")[0]}`, lineCounter.linePos(first.pos[0]).line);
  }
  const nonEmpty = documents.filter((document) => document.contents !== null);
  if (nonEmpty.length === 0) throw fail("the file is empty; it must hold one environment (name, namespace, secret, ...)");
  if (nonEmpty.length > 1) throw fail("holds several YAML documents; give one environment per file", lineCounter.linePos(nonEmpty[1]!.range[0]).line);
  const document = nonEmpty[0]!;
  if (!isMap(document.contents)) {
    throw fail("must be a mapping of environment fields (name, namespace, secret, ...)", lineCounter.linePos(document.contents?.range?.[0] ?? 0).line);
  }

  const lineOf = (field: FieldPath): number | undefined => {
    // The deepest node on the path that exists: an unknown key's own line, or its parent's.
    let node: Node | null | undefined = document.contents as Node;
    let line: number | undefined = node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
    for (const key of field) {
      if (isSeq(node)) {
        // A list item: its own line (a flow list's items may share their parent's).
        const item = node.items[Number(key)] as Node | undefined;
        if (item === undefined) break;
        if (item.range) line = lineCounter.linePos(item.range[0]).line;
        node = item;
        continue;
      }
      if (!isMap(node)) break;
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      if (pair === undefined) break;
      const keyNode = pair.key as Node;
      if (keyNode.range) line = lineCounter.linePos(keyNode.range[0]).line;
      node = pair.value as Node | null;
    }
    return line;
  };
  let spec: unknown;
  try {
    // No aliases: an environment is small, and alias expansion is how YAML bombs work.
    spec = document.toJS({ maxAliasCount: 0 });
  } catch (error) {
    const aliases = /alias/i.test((error as Error).message);
    throw fail(aliases ? "uses a YAML alias (*name); write the values out: aliases are not allowed in environment files" : `cannot be read: ${(error as Error).message}`);
  }
  return { spec, file, lineOf };
}
