/**
 * Input shown in a message, made safe to print: a value from an environment file or a command
 * line may hold control characters, terminal escapes (ESC [ ...), bidirectional overrides or
 * invalid UTF-16, and a message must never carry them raw into a terminal or a CI log.
 */

/** How much of one input a message shows; the rest is counted, not printed. */
const MAX_SHOWN = 200;

// C0 and C1 controls, DEL, line/paragraph separators, bidi embeddings/overrides/isolates, the BOM,
// and lone surrogates: every character that moves the cursor, hides text or is not Unicode.
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t", "\u001b": "\\e" };

/**
 * `text` with every unsafe character escaped (`\n`, `\e`, `\x07`, `\u2028`) and cut to 200
 * characters. With `keepNewlines`, line feeds stay (for messages that list problems one a line,
 * whose parts were escaped already).
 *
 * @example
 * printable("a\u001b[31mb"); // "a\\e[31mb"
 */
export function printable(text: string, options: { readonly keepNewlines?: boolean; readonly maxLength?: number } = {}): string {
  const max = options.maxLength ?? MAX_SHOWN;
  const shown = text.length > max ? text.slice(0, max) : text;
  const escaped = shown.replace(UNSAFE, (char) => {
    if (char === "\n" && options.keepNewlines === true) return char;
    return NAMED[char] ?? escapeCode(char.charCodeAt(0));
  });
  return text.length > max ? `${escaped}… (${text.length - max} more characters)` : escaped;
}

/** `U+001B`-style name of a character, for messages about one character. */
export function codePointName(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function escapeCode(code: number): string {
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
}

/**
 * `text` in double quotes for a message, escaped like {@link printable} and with its own quotes
 * escaped, so a name holding `"` cannot end the quoting early.
 *
 * @example
 * quoted('a"b'); // "\"a\\\"b\""
 */
export function quoted(text: string): string {
  // Backslashes first, so an escape this adds (\e, \") cannot be confused with one the text had.
  return `"${printable(text.replaceAll("\\", "\\\\")).replaceAll('"', '\\"')}"`;
}
