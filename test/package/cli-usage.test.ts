/**
 * The CLI's own surface for scripts and CI: commander's errors in the project's one error form
 * (`argusai-kustomize: CODE: message` on stderr, exit 2), and a --help that says how to use it.
 */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers.js";

const SEE_HELP = "; see argusai-kustomize --help\n";

describe("commander's errors", () => {
  it.each(
    [
      { args: ["generate", "--no-such-option"], message: "unknown option '--no-such-option'" },
      { args: ["generate", "--dri", "x"], message: "unknown option '--dri' (Did you mean --dir?)" },
      { args: ["frobnicate"], message: "unknown command 'frobnicate'" },
      { args: ["chek"], message: "unknown command 'chek' (Did you mean check?)" },
      { args: ["render"], message: "missing required argument 'env'" },
      { args: ["generate", "--dir"], message: "option '--dir <dir>' argument missing" },
      { args: ["render", "prod", "extra"], message: "too many arguments for 'render'. Expected 1 argument but got 2." },
    ].map((usage) => ({ ...usage, line: usage.args.join(" ") })),
  )("`argusai-kustomize $line`: one line in the project's form, exit 2", async ({ args, message }) => {
    const result = await runCli(args);
    expect(result).toEqual({ code: 2, stdout: "", stderr: `argusai-kustomize: USAGE: ${message}${SEE_HELP}` });
  });

  it("no command: the help on stderr, then why it failed, exit 2", async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^Usage: argusai-kustomize /);
    expect(result.stderr.endsWith(`argusai-kustomize: USAGE: a command is required (init, generate, check, render, validate or diff)${SEE_HELP}`)).toBe(true);
  });
});

describe("--help", () => {
  it("lists the exit codes, the environment variables and examples, on stdout with exit 0", async () => {
    const result = await runCli(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    const help = result.stdout;
    expect(help).toMatch(
      /^Exit codes:\n {2}0 {3}ok\n {2}1 {3}drift .*\n {2}2 {3}bad input or usage.*\n.*\n {2}3 {3}an external tool failed or is missing.*\n {2}70 {2}an internal error: a bug/m,
    );
    expect(help).toMatch(/^ {2}KUBECTL {9}\S.*$/m);
    expect(help).toMatch(/^ {2}KUSTOMIZE {7}\S.*$/m);
    expect(help).toMatch(/^ {2}ARGUSAI_DEBUG {3}1: print the stack of an internal error/m);
    expect(help).toMatch(/argusai-kustomize: CODE: message/);
    const examples = help.slice(help.indexOf("Examples:\n"));
    for (const command of ["init", "generate", "generate --env-file", "check", "validate", "render"])
      expect(examples).toContain(`argusai-kustomize ${command}`);
  });

  it("--version prints the package version", async () => {
    const { version } = (await import("../../package.json", { with: { type: "json" } })).default as { version: string };
    expect(await runCli(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  });
});
