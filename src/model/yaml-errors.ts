import type { LineCounter, YAMLError } from "yaml";
import { printable } from "../printable.js";

/*
 * A YAML syntax error told in our words, on the line that holds the mistake, with the fix. The
 * YAML library reports where its parser noticed the problem: for a line indented one space too
 * deep that is the line before ("Nested mappings are not allowed in compact mappings"), and for
 * an unclosed quote the end of the file. So the line is found from the text itself.
 */

/** A syntax error: the 1-based line and the message (without the line). */
export interface YamlSyntaxProblem {
  readonly line: number;
  readonly message: string;
}

const INDENTATION_CODES = new Set(["BAD_INDENT", "BLOCK_AS_IMPLICIT_KEY", "MULTILINE_IMPLICIT_KEY", "MISSING_CHAR", "UNEXPECTED_TOKEN"]);

/** The first syntax error of `text`, located and worded for people. */
export function describeYamlError(text: string, error: YAMLError, lineCounter: LineCounter): YamlSyntaxProblem {
  const lines = text.split(/\r?\n/);
  const reported = lineCounter.linePos(error.pos[0]).line;
  const end = lineCounter.linePos(error.pos[1]).line;
  if (error.code === "TAB_AS_INDENT") {
    return { line: reported, message: "is indented with a tab: YAML indents with spaces only; replace the tab with spaces" };
  }
  if (error.code === "MISSING_CHAR" && /quote/i.test(error.message)) {
    const line = unclosedQuoteLine(lines, reported) ?? reported;
    return { line, message: "opens a quoted value that is never closed: add the closing quote at the end of the value" };
  }
  if (/flow (map|sequence|collection)/i.test(error.message) || (error.code === "MISSING_CHAR" && /[}\]]/.test(error.message))) {
    const line = unclosedBracketLine(lines, reported) ?? reported;
    return {
      line,
      message: "opens a { } or [ ] that is not closed where it should be: close it on the same line, or indent its continuation lines deeper than the key",
    };
  }
  if (INDENTATION_CODES.has(error.code)) {
    const misplaced = misindentedLine(lines, Math.min(reported, end), Math.max(reported, end) + 1);
    if (misplaced !== undefined) {
      return {
        line: misplaced.line,
        message: `is indented by ${misplaced.indent} space(s), which lines up with no key above it (${misplaced.expected}): indent it like the other keys of its mapping`,
      };
    }
    return {
      line: reported,
      message: "is not `key: value` as YAML reads it: a key needs a colon and a space after it, and a value with ': ' or '#' in it needs quotes",
    };
  }
  if (error.code === "BAD_SCALAR_START") {
    return { line: reported, message: "has a value starting with a character YAML reserves (@, `, %, |, > ...): put the value in quotes" };
  }
  // A code not worded here: still one line of ours, with the parser's code for a bug report.
  return {
    line: reported,
    message: `cannot be read as YAML (${printable(error.code)}): check indentation (spaces), colons after keys and quotes around values with ': ' or '#'`,
  };
}

/** The first line from `from` to `to` (1-based, inclusive) whose indentation matches no open level. */
function misindentedLine(lines: readonly string[], from: number, to: number): { line: number; indent: number; expected: string } | undefined {
  const levels: number[] = [0];
  let opensBlock = false;
  let blockScalarAbove: number | undefined;
  for (let index = 0; index < Math.min(lines.length, to); index += 1) {
    const text = lines[index]!;
    if (/^\s*(#.*)?$/.test(text)) continue;
    const indent = text.length - text.trimStart().length;
    // The body of a block scalar (key: |) is free text, indented as its author likes.
    if (blockScalarAbove !== undefined && indent > blockScalarAbove) continue;
    blockScalarAbove = undefined;
    if (opensBlock && indent > levels.at(-1)!) levels.push(indent);
    else {
      while (levels.length > 1 && levels.at(-1)! > indent) levels.pop();
      if (levels.at(-1) !== indent && index + 1 >= from) {
        return { line: index + 1, indent, expected: `expected ${[...new Set(levels)].join(" or ")}` };
      }
    }
    const content = text.trimStart();
    // "- key: value": the item's keys line up after the dash.
    const dash = /^(-\s+)(?=\S)/.exec(content);
    if (dash !== null && /^-\s+[^\s#"'][^:#]*:(\s|$)/.test(content)) levels.push(indent + dash[1]!.length);
    const withoutComment = content.replace(/\s+#.*$/, "");
    opensBlock = /:$/.test(withoutComment) || /^-$/.test(withoutComment);
    if (/:\s*[|>][-+0-9]*$/.test(withoutComment)) blockScalarAbove = indent;
  }
  return undefined;
}

/** The last line at or before `before` that opens a quote it does not close. */
function unclosedQuoteLine(lines: readonly string[], before: number): number | undefined {
  for (let index = Math.min(before, lines.length) - 1; index >= 0; index -= 1) {
    const text = lines[index]!;
    const double = text.replace(/\\./g, "").split('"').length - 1;
    const single = text.replace(/''/g, "").match(/(^|[:\-[{,]\s*)'/g)?.length ?? 0;
    if (double % 2 === 1 || (single > 0 && (text.split("'").length - 1) % 2 === 1)) return index + 1;
  }
  return undefined;
}

/** The last line at or before `before` with more `{`/`[` than `}`/`]` outside quotes. */
function unclosedBracketLine(lines: readonly string[], before: number): number | undefined {
  for (let index = Math.min(before, lines.length) - 1; index >= 0; index -= 1) {
    const text = lines[index]!.replace(/"(\\.|[^"\\])*"|'[^']*'/g, "");
    const opened = (text.match(/[{[]/g)?.length ?? 0) - (text.match(/[}\]]/g)?.length ?? 0);
    if (opened > 0) return index + 1;
  }
  return undefined;
}
