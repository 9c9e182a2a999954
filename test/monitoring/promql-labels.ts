/**
 * A label checker for PromQL, on Prometheus' own grammar (@prometheus-io/lezer-promql): it walks
 * an expression and works out which labels each sub-expression's series carry, starting from a
 * table of metric names and their labels. It reports a metric not in the table, a matcher, `by`,
 * `without`, `on` or `ignoring` label the series there do not have, and a one-to-one binary
 * operation whose two sides carry different labels (it would match nothing). Upstream ArgusAI's
 * `http_requests_total{status=~"5.."}` is exactly such a mistake: the label is `status_code`.
 */
import { parser } from "@prometheus-io/lezer-promql";
import type { SyntaxNode } from "@lezer/common";

export interface LabelCheck {
  /** Every problem found, in expression order. */
  readonly problems: string[];
  /** The metric names the expression reads. */
  readonly metrics: string[];
  /** The labels the expression's result carries (undefined for a scalar). */
  readonly result: ReadonlySet<string> | undefined;
  /** Every vector selector, with its equality matchers (label → value). */
  readonly selectors: Array<{ metric: string; equals: Record<string, string> }>;
}

/** Functions whose result keeps the labels of their (only) vector argument. */
const KEEPS_LABELS = new Set([
  "rate",
  "irate",
  "increase",
  "delta",
  "idelta",
  "deriv",
  "abs",
  "ceil",
  "floor",
  "round",
  "clamp",
  "clamp_min",
  "clamp_max",
  "max_over_time",
  "min_over_time",
  "avg_over_time",
  "sum_over_time",
  "last_over_time",
  "changes",
  "resets",
]);

const children = (node: SyntaxNode): SyntaxNode[] => {
  const list: SyntaxNode[] = [];
  for (let child = node.firstChild; child !== null; child = child.nextSibling) list.push(child);
  return list;
};

export function checkLabels(expr: string, series: ReadonlyMap<string, readonly string[]>): LabelCheck {
  const problems: string[] = [];
  const metrics: string[] = [];
  const selectors: LabelCheck["selectors"] = [];
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);
  const labelsOf = (node: SyntaxNode | null) =>
    node === null
      ? []
      : children(node)
          .filter((child) => child.name === "LabelName")
          .map(text);
  const require = (labels: readonly string[], available: ReadonlySet<string>, where: string) => {
    for (const label of labels)
      if (!available.has(label)) problems.push(`${where}: ${label} is not a label of the series there (${[...available].sort().join(", ")})`);
  };

  const tree = parser.parse(expr);
  tree.iterate({
    enter: (node) => void (node.type.isError ? problems.push(`syntax error at ${node.from}: ${expr.slice(node.from, node.from + 20)}`) : undefined),
  });

  const visit = (node: SyntaxNode): ReadonlySet<string> | undefined => {
    switch (node.name) {
      case "PromQL":
      case "ParenExpr":
      case "FunctionCallBody":
        return visit(children(node).at(-1)!);
      case "NumberDurationLiteral":
      case "StringLiteral":
        return undefined;
      case "UnaryExpr":
        return visit(children(node).at(-1)!);
      case "MatrixSelector":
      case "SubqueryExpr":
        return visit(node.firstChild!);
      case "VectorSelector": {
        const metric = node.getChild("Identifier");
        const name = metric === null ? "" : text(metric);
        metrics.push(name);
        const known = series.get(name);
        if (known === undefined) problems.push(`${name || "(no metric name)"} is not a metric in the table`);
        const available = new Set(known ?? []);
        const equals: Record<string, string> = {};
        for (const matcher of node.getChild("LabelMatchers")?.getChildren("UnquotedLabelMatcher") ?? []) {
          const label = text(matcher.getChild("LabelName")!);
          if (known !== undefined) require([label], available, name);
          if (matcher.getChild("MatchOp")?.firstChild?.name === "EqlSingle") equals[label] = JSON.parse(text(matcher.getChild("StringLiteral")!)) as string;
        }
        if ((node.getChild("LabelMatchers")?.getChildren("QuotedLabelMatcher") ?? []).length > 0) problems.push(`${name}: quoted label names are not checked`);
        selectors.push({ metric: name, equals });
        return available;
      }
      case "FunctionCall": {
        const fn = text(node.getChild("FunctionIdentifier")!);
        const args = children(node.getChild("FunctionCallBody")!).map(visit);
        if (fn === "histogram_quantile") {
          const buckets = args[1];
          if (buckets !== undefined && !buckets.has("le")) problems.push("histogram_quantile: its argument has no le label");
          return buckets === undefined ? undefined : new Set([...buckets].filter((label) => label !== "le"));
        }
        if (fn === "absent") {
          // absent() keeps the equality matchers' labels of its selector.
          const selector = selectors.at(-1);
          return new Set(Object.keys(selector?.equals ?? {}));
        }
        if (KEEPS_LABELS.has(fn)) return args.find((arg) => arg !== undefined);
        problems.push(`${fn}: the checker does not know this function`);
        return undefined;
      }
      case "AggregateExpr": {
        const modifier = node.getChild("AggregateModifier");
        const inner = visit(node.getChild("FunctionCallBody")!) ?? new Set<string>();
        const grouping = labelsOf(modifier?.getChild("GroupingLabels") ?? null);
        const op = text(node.getChild("AggregateOp")!);
        if (modifier?.getChild("Without") !== null && modifier !== null) {
          require(grouping, inner, `${op} without`);
          return new Set([...inner].filter((label) => !grouping.includes(label)));
        }
        require(grouping, inner, `${op} by`);
        return new Set(grouping);
      }
      case "BinaryExpr": {
        const parts = children(node);
        const left = visit(parts[0]!);
        const right = visit(parts.at(-1)!);
        const operator = parts[1]!.name;
        if (left === undefined || right === undefined) return left ?? right;
        const matching = node.getChild("MatchingModifierClause");
        if (["And", "Or", "Unless"].includes(operator)) return left;
        if (matching === null) {
          const same = left.size === right.size && [...left].every((label) => right.has(label));
          if (!same)
            problems.push(`${operator}: its sides carry different labels ([${[...left].sort()}] and [${[...right].sort()}]) and match nothing one-to-one`);
          return left;
        }
        const on = labelsOf(matching.getChild("GroupingLabels"));
        require(on, left, `${operator} on/ignoring (left)`);
        require(on, right, `${operator} on/ignoring (right)`);
        return left;
      }
      default:
        problems.push(`${node.name}: the checker does not know this node`);
        return undefined;
    }
  };
  const result = visit(tree.topNode);
  return { problems, metrics, result, selectors };
}
