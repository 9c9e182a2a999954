/**
 * ConfigMap keys and values, by the API server's rules (k8s.io/apimachinery validation.go:
 * IsConfigMapKey, IsEnvVarName) and by what kustomize does with a literal (measured in
 * test/inputs/config-values.test.ts with the real kustomize).
 */
import { describe, expect, it } from "vitest";
import { configKeyProblem, configMapSizeProblem, configValueProblem, MAX_CONFIG_MAP_BYTES } from "../../src/model/config-data.js";
import { dotted, validateEnvironment } from "../../src/model/environment-spec.js";

describe("configKeyProblem", () => {
  it.each(["LOG_LEVEL", "a", "my.key", "my-key", "_X", ".hidden", "a..b", "x".repeat(253)])("accepts %s", (key) => {
    expect(configKeyProblem(key)).toBeUndefined();
  });

  it.each<[string, RegExp]>([
    ["", /is empty/],
    ["x".repeat(254), /is 254 characters long: a ConfigMap key has at most 253/],
    ["BAD KEY", /not a valid ConfigMap key: use letters, digits/],
    ["KEY=1", /not a valid ConfigMap key/],
    ["ключ", /not a valid ConfigMap key/],
    [".", /Kubernetes refuses '\.'/],
    ["..", /Kubernetes refuses '\.\.'/],
    ["..data", /starting with '\.\.'/],
    ["1ST", /starts with a digit, so it is not an environment variable name: .*envFrom.*skips such a key silently/],
  ])("refuses %j", (key, message) => {
    expect(configKeyProblem(key)).toMatch(message);
  });
});

describe("configValueProblem", () => {
  it.each(["", "INFO", "a b", "a\tb", " padded ", "a=b", "a #b", "naïve", "a\u00a0b", "😀", "a\ufeffb", "'half", "\\n", "a\u2027b", "\ufffd"])(
    "accepts %j",
    (value) => {
      expect(configValueProblem(value)).toBeUndefined();
    },
  );

  it.each<[string, RegExp]>([
    ["a\u0000b", /NUL character \(U\+0000\) at position 2: an environment variable cannot hold one/],
    ["a\nb", /must be one line \(U\+000A at position 2\)/],
    ["a\rb", /must be one line \(U\+000D/],
    ["a\u001b[31mb", /control character U\+001B at position 2/],
    ["\u0007", /control character U\+0007/],
    ["a\u007fb", /U\+007F \(a control character\) at position 2: kustomize fails on it/],
    ["a\u0080b", /U\+0080 \(a control character\).*kustomize fails/],
    ["a\u009bb", /U\+009B/],
    ["a\u0085b", /U\+0085 \(next line\) at position 2: kustomize silently turns it into a space/],
    ["a\u2028b", /U\+2028 \(line separator\).*kustomize fails/],
    ["a\u2029b", /U\+2029 \(paragraph separator\)/],
    ["a\ud800b", /lone surrogate \(U\+D800\)/],
    ["a\udc00", /lone surrogate \(U\+DC00\)/],
    ["a\ufffe", /U\+FFFE \(a noncharacter\)/],
    ["\uffff", /U\+FFFF/],
    ["'hi'", /must not be wrapped in quotes/],
    ['"hi"', /must not be wrapped in quotes/],
  ])("refuses %j", (value, message) => {
    expect(configValueProblem(value)).toMatch(message);
  });
});

describe("configMapSizeProblem", () => {
  it("counts keys and values in UTF-8 bytes, up to 1 MiB", () => {
    expect(configMapSizeProblem({ K: "x".repeat(MAX_CONFIG_MAP_BYTES - 1) })).toBeUndefined();
    expect(configMapSizeProblem({ K: "x".repeat(MAX_CONFIG_MAP_BYTES) })).toMatch(/1048577 bytes .*over 1 MiB/);
    expect(configMapSizeProblem({ K: "é".repeat(MAX_CONFIG_MAP_BYTES / 2) })).toMatch(/1048577 bytes/);
  });
});

describe("config in an environment spec", () => {
  const base = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } };
  const problemsOf = (config: unknown) => validateEnvironment({ ...base, config }).map((problem) => `${dotted(problem.field)}: ${problem.message}`);

  it("reports keys and values on their own field", () => {
    expect(problemsOf({ "1ST": "x", OK: "a\u2028b", "..x": "y", ["K".repeat(254)]: "v" })).toEqual([
      expect.stringMatching(/^config\.1ST: starts with a digit/),
      expect.stringMatching(/^config\.OK: holds U\+2028/),
      expect.stringMatching(/^config\.\.\.x: is not a valid ConfigMap key: Kubernetes refuses keys starting with '\.\.'/),
      expect.stringMatching(/^config\.K+: is 254 characters long/),
    ]);
  });

  it("refuses a ConfigMap that would pass 1 MiB with the base's keys", () => {
    expect(problemsOf({ A: "x".repeat(600_000), B: "x".repeat(600_000) })).toEqual([
      expect.stringMatching(/^config: makes argusai-config \d+ bytes .*over 1 MiB/),
    ]);
  });
});
