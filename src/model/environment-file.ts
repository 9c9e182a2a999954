import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Node, type Pair, type YAMLMap } from "yaml";
import { ArgusKustomizeError } from "../errors.js";
import { printable } from "../printable.js";
import { environmentSpecSchema, type EnvironmentSource, type FieldPath } from "./environment-spec.js";
import { describeYamlError } from "./yaml-errors.js";

/**
 * Decodes the bytes of an environment file as UTF-8 (a UTF-8 byte order mark is dropped), or
 * says plainly that it is in another encoding: UTF-16 as Windows PowerShell writes it, UTF-32,
 * or a legacy 8-bit code page (Latin-1, Windows-1252). Nothing of the content is echoed.
 *
 * @throws ArgusKustomizeError INVALID_SPEC naming the encoding problem and how to fix it
 * @example
 * const text = decodeEnvironmentFile(await readFile(file), file);
 */
export function decodeEnvironmentFile(bytes: Uint8Array, file: string): string {
  const fail = (message: string) => new ArgusKustomizeError("INVALID_SPEC", message, { location: { file } });
  const starts = (...prefix: number[]) => prefix.every((byte, index) => bytes[index] === byte);
  const saveAsUtf8 = "save it as UTF-8 (PowerShell: Set-Content -Encoding utf8; most editors: File > Save with encoding)";
  if (starts(0xff, 0xfe, 0x00, 0x00) || starts(0x00, 0x00, 0xfe, 0xff)) throw fail(`is UTF-32 text (it starts with a UTF-32 byte order mark); ${saveAsUtf8}`);
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) {
    throw fail(`is UTF-16 text (it starts with a UTF-16 byte order mark), as Windows PowerShell writes with > or Out-File; ${saveAsUtf8}`);
  }
  const body = starts(0xef, 0xbb, 0xbf) ? bytes.subarray(3) : bytes;
  const nul = body.indexOf(0);
  if (nul !== -1) {
    throw fail(`holds a NUL byte (line ${lineAt(body, nul)}): it is not a text file, or it is UTF-16 without a byte order mark; ${saveAsUtf8}`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    const offset = firstInvalidUtf8(body);
    throw fail(
      `is not UTF-8 text (line ${lineAt(body, offset)} has the byte 0x${(body[offset] ?? 0).toString(16).toUpperCase().padStart(2, "0")}, ` +
        `perhaps Latin-1 or Windows-1252); ${saveAsUtf8}`,
    );
  }
}

/** The offset of the first byte that makes `bytes` invalid UTF-8, by bisection with the platform's decoder. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  // A prefix decodes in stream mode (an unfinished character at its end is not an error) unless
  // it holds an invalid sequence, so "prefix is invalid" is monotonic in its length.
  let valid = 0;
  let invalid = bytes.length;
  while (invalid - valid > 1) {
    const middle = Math.floor((valid + invalid) / 2);
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, middle), { stream: true });
      valid = middle;
    } catch {
      invalid = middle;
    }
  }
  // The decoder notices a broken sequence at the byte after its lead ("caf\xE9\"" fails at the
  // quote): name where the sequence starts, the last point before which the text is complete.
  for (let start = invalid - 1; start > Math.max(0, invalid - 5); start -= 1) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, start));
      return start;
    } catch {
      // that prefix ends inside the broken sequence: look one byte earlier
    }
  }
  return invalid - 1;
}

function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index += 1) if (bytes[index] === 0x0a) line += 1;
  return line;
}

/** The top-level keys of an environment, to tell an environment file from any other YAML. */
const ENVIRONMENT_FIELDS: ReadonlySet<string> = new Set(Object.keys(environmentSpecSchema.shape));

/**
 * Reads one environment from the text of a YAML or JSON file (JSON is YAML 1.2). Pure: the
 * caller reads the file. Validation is left to `loadEnvironments`, which gets a `lineOf` here so
 * every problem can name its line. Linear in the size of the file.
 *
 * @throws ArgusKustomizeError INVALID_SPEC for malformed YAML, an empty file, several documents, a non-mapping,
 * or a mapping without a single environment field (some other YAML file)
 * @example
 * const source = environmentSourceFromText(await readFile("envs/staging.yaml", "utf8"), "envs/staging.yaml");
 * const [staging] = loadEnvironments([source]);
 */
export function environmentSourceFromText(text: string, file: string): EnvironmentSource {
  const lineCounter = new LineCounter();
  // Keys given twice are found below in one pass: the parser's own uniqueKeys check compares
  // every key with every other (30,000 keys took seconds).
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const fail = (message: string, line?: number) =>
    new ArgusKustomizeError("INVALID_SPEC", message, { location: { file, ...(line !== undefined ? { line } : {}) } });

  if (!Array.isArray(documents)) throw fail("not a YAML stream");
  const errors = documents.flatMap((document) => document.errors);
  if (errors.length > 0) {
    const problem = describeYamlError(text, errors[0]!, lineCounter);
    throw fail(`malformed YAML or JSON: line ${problem.line} ${problem.message}`, problem.line);
  }
  const nonEmpty = documents.filter((document) => document.contents !== null);
  if (nonEmpty.length === 0) throw fail("the file is empty; it must hold one environment (name, namespace, secret, ...)");
  if (nonEmpty.length > 1) throw fail("holds several YAML documents; give one environment per file", lineCounter.linePos(nonEmpty[1]!.range[0]).line);
  const document = nonEmpty[0]!;
  if (!isMap(document.contents)) {
    throw fail("must be a mapping of environment fields (name, namespace, secret, ...)", lineCounter.linePos(document.contents?.range?.[0] ?? 0).line);
  }
  const root = document.contents;
  const keysOf = new WeakMap<YAMLMap, Map<string, Pair>>();
  const indexOf = (map: YAMLMap): Map<string, Pair> => {
    let index = keysOf.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (index.has(key)) {
          const keyNode = pair.key as Node | null;
          throw fail(
            "malformed YAML or JSON: Map keys must be unique (a key is given twice)",
            keyNode?.range ? lineCounter.linePos(keyNode.range[0]).line : undefined,
          );
        }
        index.set(key, pair);
      }
      keysOf.set(map, index);
    }
    return index;
  };
  visit(document, { Map: (_, map) => void indexOf(map) });

  // Some other YAML file (a manifest, a compose file, /etc/passwd through a symlink): one line,
  // none of its keys or values, which may be anything and must not land in a CI log.
  if (root.items.length > 0 && ![...indexOf(root).keys()].some((key) => ENVIRONMENT_FIELDS.has(key))) {
    throw fail(`is not an environment file: none of its ${root.items.length} top-level keys is an environment field (name, namespace, secret, ...)`);
  }

  const lineOf = (field: FieldPath): number | undefined => {
    // The deepest node on the path that exists: an unknown key's own line, or its parent's.
    let node: Node | null | undefined = root;
    let line: number | undefined = root.range ? lineCounter.linePos(root.range[0]).line : undefined;
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
      const pair = indexOf(node).get(String(key));
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
    throw fail(
      aliases
        ? "uses a YAML alias (*name); write the values out: aliases are not allowed in environment files"
        : `cannot be read: ${printable((error as Error).message)}`,
    );
  }
  return { spec, file, lineOf };
}

/**
 * The source of a spec parsed from `text` in an earlier run (tree/parsed-files.ts): the same spec
 * {@link environmentSourceFromText} gives, and the lines of its fields found by parsing the text
 * again, only when a message needs one.
 */
export function rememberedEnvironmentSource(spec: unknown, text: string, file: string): EnvironmentSource {
  let parsed: EnvironmentSource | undefined;
  return {
    spec,
    file,
    lineOf: (field) => {
      parsed ??= environmentSourceFromText(text, file);
      return parsed.lineOf?.(field);
    },
  };
}
