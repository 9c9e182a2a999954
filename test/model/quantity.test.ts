/**
 * Quantities against answers derived by hand from the Kubernetes rules
 * (k8s.io/apimachinery/pkg/api/resource, quantity.go and suffix.go):
 * - `<quantity> ::= <signedNumber><suffix>`; `<number> ::= <digits> | <digits>.<digits> | <digits>. | .<digits>`;
 *   `<binarySI> ::= Ki | Mi | Gi | Ti | Pi | Ei` (2^10 ... 2^60); `<decimalSI> ::= n | u | m | "" | k | M | G | T | P | E`
 *   (10^-9 ... 10^18); `<decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>`.
 * - A Quantity is fixed point, never floating point; Cmp compares exact values, so "700m" == "0.7",
 *   "1" == "1000m", "1Ki" == "1024", "1e3" == "1k", "0.1" == "100m".
 * - ParseQuantity rounds a value finer than 1n up, away from zero (inf.RoundUp at Nano scale), so
 *   "1.0000000001" would become "1.000000001": not the value written, refused here.
 * - ParseQuantity caps binary-SI at 2^63-1 ("8Ei" = 2^63 becomes 2^63-1) and reads an `e` exponent as
 *   int64 then int32 (wraps); Value() (units, how bytes are read) overflows past 2^63-1 and
 *   MilliValue() (thousandths, how CPU is read) past MaxMilliQuantity() (2^63-1 milli-units). So a
 *   quantity holds at most 2^63-1 units ("1Ei" = 2^60 fits), and CPU at most 2^63-1 milli-units.
 * - pkg/api/pod/warnings.go warns "fractional byte value %q is invalid, must be an integer" for
 *   memory whose MilliValue() % 1000 != 0.
 */
import { describe, expect, it } from "vitest";
import { dotted, validateEnvironment } from "../../src/model/environment-spec.js";
import { compareQuantities, parseQuantity, quantityProblem, sameQuantity, type Quantity } from "../../src/model/quantity.js";

const value = (text: string): Quantity => {
  const parsed = parseQuantity(text);
  if (!parsed.ok) throw new Error(`${text}: ${parsed.problem}`);
  return parsed.value;
};

describe("parseQuantity", () => {
  it.each<[string, bigint]>([
    // [text, exact value in nano-units]
    ["0", 0n],
    ["-0", 0n],
    ["700m", 700_000_000n],
    ["0.7", 700_000_000n],
    ["1", 1_000_000_000n],
    ["1000m", 1_000_000_000n],
    ["1.", 1_000_000_000n],
    ["+1", 1_000_000_000n],
    [".5", 500_000_000n],
    ["1Ki", 1024n * 1_000_000_000n],
    ["1Ei", 2n ** 60n * 1_000_000_000n], // a storage size of 1Ei: far below 2^63-1 units
    ["1E", 10n ** 18n * 1_000_000_000n],
    ["9223372036854775807", (2n ** 63n - 1n) * 1_000_000_000n], // 2^63-1: the most Value() reads exactly
    ["9223372036854775808m", 2n ** 63n * 1_000_000n], // past MaxMilliQuantity: fine for bytes, not for CPU
    ["1024", 1024n * 1_000_000_000n],
    ["1e3", 1_000_000_000_000n],
    ["1E3", 1_000_000_000_000n],
    ["1k", 1_000_000_000_000n],
    ["1e+3", 1_000_000_000_000n],
    ["0.1", 100_000_000n],
    ["100m", 100_000_000n],
    ["1.000000001", 1_000_000_001n],
    ["1000000001n", 1_000_000_001n],
    ["1n", 1n],
    ["1e-9", 1n],
    ["0.001u", 1n],
    ["1.5Gi", 1536n * 2n ** 20n * 1_000_000_000n],
    ["0.0009765625Ki", 1_000_000_000n], // 5^10 / 10^10 x 2^10 = 1 exactly
    ["512Mi", 536_870_912n * 1_000_000_000n],
    ["8Pi", 2n ** 53n * 1_000_000_000n],
    ["9223372036854775807m", (2n ** 63n - 1n) * 1_000_000n], // MaxMilliQuantity, the largest
    ["-1", -1_000_000_000n],
    ["0e99999999999", 0n],
    ["000000000000000000000000000000001", 1_000_000_000n],
  ])("%s is exactly %s nano-units", (text, nanos) => {
    expect(parseQuantity(text)).toEqual({ ok: true, value: { nanos } });
  });

  it.each<[string, RegExp]>([
    ["", /not a Kubernetes quantity/],
    [".", /not a Kubernetes quantity/],
    ["1e", /not a Kubernetes quantity/],
    ["512MB", /not a Kubernetes quantity/],
    ["1 Gi", /not a Kubernetes quantity/],
    ["1ki", /not a Kubernetes quantity/],
    ["0x10", /not a Kubernetes quantity/],
    ["1.0000000001", /more precise than Kubernetes keeps/],
    ["0.1n", /more precise than Kubernetes keeps/],
    ["1e-10", /more precise than Kubernetes keeps/],
    ["1e-99999999999999999999", /more precise than Kubernetes keeps/],
    ["0.3Ki", /^$/], // 307.2: fine as a quantity (not as bytes, below)
    ["9223372036854775808", /too large/], // one unit past 2^63-1: Value() overflows
    ["8Ei", /too large/], // 2^63: capped to 2^63-1 by ParseQuantity
    ["10E", /too large/], // 10^19 units
    ["1e309", /too large/],
    ["1e4294967296", /too large/], // Kubernetes' int32 cast would read this as 1
    [`1${"0".repeat(100_000)}`, /too large/],
    [`0.${"0".repeat(100_000)}1`, /more precise than Kubernetes keeps/],
  ])("%s: %s", (text, problem) => {
    const parsed = parseQuantity(text);
    if (problem.source === "^$") expect(parsed.ok).toBe(true);
    else expect(parsed.ok ? "" : parsed.problem).toMatch(problem);
  });
});

describe("compareQuantities", () => {
  it.each<[string, string, -1 | 0 | 1]>([
    ["700m", "0.7", 0],
    ["1", "1000m", 0],
    ["1Ki", "1024", 0],
    ["1e3", "1k", 0],
    ["0.1", "100m", 0],
    ["1Mi", "1048576", 0],
    ["1M", "1000k", 0],
    ["1.000000001", "1", 1], // one nano-unit above: a request this much over its limit is refused
    ["1000000001n", "1", 1],
    ["999999999n", "1", -1],
    ["1Gi", "1G", 1],
    ["1000Mi", "1Gi", -1],
    ["9223372036854775807m", "9223372036854775806m", 1], // beyond float64's 2^53: exact here
    ["9007199254740993", "9007199254740992", 1], // 2^53 + 1 vs 2^53: equal as floats
  ])("%s vs %s: %s", (a, b, expected) => {
    expect(compareQuantities(value(a), value(b))).toBe(expected);
    expect(compareQuantities(value(b), value(a))).toBe(expected === 0 ? 0 : -expected);
    expect(sameQuantity(a, b)).toBe(expected === 0);
  });
});

describe("quantityProblem", () => {
  it.each<[string, string | RegExp | undefined]>([
    ["512Mi", undefined],
    ["1.5Gi", undefined],
    ["0.5Ki", undefined],
    ["500m", /is not a whole number of bytes \(500m is 0.5 bytes; "m" is milli, not mega: write M or Mi\): Kubernetes warns "fractional byte value/],
    ["0.3Ki", /is not a whole number of bytes \(0.3Ki is 307.2 bytes\)/],
    ["1.5", /not a whole number of bytes/],
    ["1e309", /too large/],
  ])("bytes %s", (text, expected) => {
    const problem = quantityProblem(text, "bytes");
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it("CPU is read in thousandths: at most 2^63-1 of them (MaxMilliQuantity)", () => {
    expect(quantityProblem("9223372036854775807m", "cpu")).toBeUndefined();
    expect(quantityProblem("9223372036854775808m", "cpu")).toMatch(/too large for CPU/);
    expect(quantityProblem("1Ei", "cpu")).toMatch(/too large for CPU/);
    expect(quantityProblem("1Ei", "bytes")).toBeUndefined();
  });

  it("CPU may be any multiple of 1n", () => {
    expect(quantityProblem("500m", "cpu")).toBeUndefined();
    expect(quantityProblem("1.000000001", "cpu")).toBeUndefined();
    expect(quantityProblem("0.1n", "cpu")).toMatch(/more precise/);
  });
});

describe("quantities in an environment spec", () => {
  const base = { name: "staging", namespace: "argusai-staging", secret: { mode: "existing" } };
  const problemsOf = (resources: unknown) =>
    validateEnvironment({ ...base, resources: { frontend: resources } }).map((problem) => `${dotted(problem.field)}: ${problem.message}`);

  it("700m within a limit of 0.7 is accepted (they are equal)", () => {
    expect(problemsOf({ requests: { cpu: "700m" }, limits: { cpu: "0.7" } })).toEqual([]);
  });

  it.each([
    [{ cpu: "1.000000001" }, { cpu: "1" }],
    [{ cpu: "1000000001n" }, { cpu: "1" }],
    [{ memory: "536870913" }, { memory: "512Mi" }],
  ])("a request one unit above its limit is refused: %j over %j", (requests, limits) => {
    expect(problemsOf({ requests, limits })).toEqual([expect.stringMatching(/^resources\.frontend\.requests\.(cpu|memory): request .* is above the limit/)]);
  });

  it.each([
    ["cpu", "1e309", /too large/],
    ["memory", "8Ei", /too large/],
    ["memory", "500m", /not a whole number of bytes.*fractional byte value/],
    ["cpu", "0.1n", /more precise than Kubernetes keeps/],
  ])("%s %s is refused on its field", (name, text, message) => {
    expect(problemsOf({ limits: { [name]: text } })).toEqual([
      expect.stringMatching(new RegExp(`^resources\\.frontend\\.limits\\.${name}: .*${message.source}`)),
    ]);
  });

  it("a storage size of 1Ei is accepted: the cap is 2^63-1 bytes, not 2^63-1 thousandths", () => {
    expect(validateEnvironment({ ...base, storage: { size: "1Ei" } })).toEqual([]);
    expect(validateEnvironment({ ...base, storage: { size: "8Ei" } }).map((problem) => problem.message)).toEqual([
      expect.stringMatching(/^"8Ei" is too large/),
    ]);
  });

  it("a fractional storage size is refused", () => {
    expect(validateEnvironment({ ...base, storage: { size: "10.5" } }).map((problem) => problem.message)).toEqual([
      expect.stringMatching(/not a whole number of bytes/),
    ]);
  });
});
