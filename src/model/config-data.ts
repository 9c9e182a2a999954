/**
 * ConfigMap keys and values as Kubernetes and kustomize will judge them, checked before anything
 * is rendered, so a bad one is named by its file and field instead of failing in kustomize (or
 * passing silently and vanishing in the pod). Pure functions, used by the environment spec's
 * `config` and by anything else that becomes a ConfigMap or Secret literal.
 */
import { codePointName } from "../printable.js";

/** The key grammar of the API server (k8s.io/apimachinery validation.IsConfigMapKey). */
export const CONFIG_KEY_PATTERN = /^[-._a-zA-Z0-9]+$/;

/** DNS1123SubdomainMaxLength: the longest ConfigMap key IsConfigMapKey accepts. */
export const MAX_CONFIG_KEY_LENGTH = 253;

/**
 * The most a ConfigMap may hold. The API server's ValidateConfigMap refuses more than
 * MaxSecretSize (1 MiB) of values; keys are counted here too, since the whole object must also
 * pass etcd's request limit and kubectl's apply.
 */
export const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

/**
 * Why `key` cannot be a key of argusai-config, or `undefined`.
 *
 * IsConfigMapKey: at most 253 characters of `[-._a-zA-Z0-9]`, not `.` or `..`, not starting
 * with `..`. And since the backend reads the ConfigMap with `envFrom`, the key must also be an
 * environment variable name (IsEnvVarName: `[-._a-zA-Z][-._a-zA-Z0-9]*`, so not starting with a
 * digit): a kubelet that checks names strictly (the default before RelaxedEnvironmentVariableValidation,
 * Kubernetes 1.32) skips such a key without failing the pod, only recording an
 * InvalidEnvironmentVariableNames event. An error is the honest answer: the value would be lost.
 *
 * @example
 * configKeyProblem("LOG_LEVEL"); // undefined
 * configKeyProblem("1ST"); // "starts with a digit: ..."
 */
export function configKeyProblem(key: string): string | undefined {
  if (key.length === 0) return "is empty: a ConfigMap key needs at least one character";
  if (key.length > MAX_CONFIG_KEY_LENGTH) return `is ${key.length} characters long: a ConfigMap key has at most ${MAX_CONFIG_KEY_LENGTH}`;
  if (!CONFIG_KEY_PATTERN.test(key)) return "is not a valid ConfigMap key: use letters, digits, '-', '_' and '.' only";
  if (key === "." || key === "..") return `is not a valid ConfigMap key: Kubernetes refuses '${key}' (a path of the mounted volume)`;
  if (key.startsWith("..")) return "is not a valid ConfigMap key: Kubernetes refuses keys starting with '..'";
  if (/^[0-9]/.test(key)) {
    return "starts with a digit, so it is not an environment variable name: the backend reads argusai-config with envFrom, and a kubelet that checks names strictly skips such a key silently";
  }
  return undefined;
}

/**
 * Why `value` cannot be a value of argusai-config (a kustomize literal that becomes an
 * environment variable of the backend), or `undefined`. Measured with kustomize 5.0.1 and 5.5.0
 * on a configMapGenerator literal written by this library:
 * - DEL, the C1 controls U+0080-U+009F (but U+0085), U+2028, U+2029, U+FFFE, U+FFFF and lone
 *   surrogates make kustomize fail ("control characters are not allowed", "could not find
 *   expected ':'", "invalid Unicode character escape code");
 * - U+0085 (NEL) comes back as a space;
 * - the C0 controls (NUL included) and line breaks come back unchanged, but are refused too: a
 *   process's environment cannot hold NUL at all, and the rest are invisible in logs and
 *   terminals (a terminal escape in a config value is a paste accident or an attack). Tab is fine.
 * - A value wrapped in matching quotes loses them (kustomize strips quotes from literals).
 *
 * @example
 * configValueProblem("INFO"); // undefined
 * configValueProblem("a\u2028b"); // "holds U+2028 (line separator) at position 2: kustomize fails on it"
 */
export function configValueProblem(value: string): string | undefined {
  const bad = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.exec(
    value,
  );
  if (bad !== null) {
    const char = bad[0];
    const at = `at position ${bad.index + 1}`;
    if (char === "\n" || char === "\r") {
      return `must be one line (${codePointName(char)} ${at}): config values become environment variables, and line breaks and other control characters are refused`;
    }
    if (char === "\u0000") return `holds a NUL character (U+0000) ${at}: an environment variable cannot hold one`;
    if (char < "\u0020")
      return `holds the control character ${codePointName(char)} ${at}: config values become environment variables, and control characters (but tab) are refused`;
    if (char === "\u0085") return `holds U+0085 (next line) ${at}: kustomize silently turns it into a space`;
    if (char >= "\ud800" && char <= "\udfff") return `holds a lone surrogate (${codePointName(char)}) ${at}: not valid Unicode, and kustomize fails on it`;
    const name =
      char === "\u2028"
        ? " (line separator)"
        : char === "\u2029"
          ? " (paragraph separator)"
          : char >= "\ufffe"
            ? " (a noncharacter)"
            : " (a control character)";
    return `holds ${codePointName(char)}${name} ${at}: kustomize fails on it`;
  }
  if (/^(["']).*\1$/s.test(value)) return "must not be wrapped in quotes: kustomize strips them from literals, so the pod would see the value without them";
  return undefined;
}

/**
 * Why a ConfigMap with these entries (as rendered: the base's merged with an environment's) is
 * too large, or `undefined`: keys and values together, in UTF-8 bytes, at most 1 MiB.
 */
export function configMapSizeProblem(data: Readonly<Record<string, string>>): string | undefined {
  let bytes = 0;
  for (const [key, value] of Object.entries(data)) bytes += Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
  if (bytes <= MAX_CONFIG_MAP_BYTES) return undefined;
  return `makes argusai-config ${bytes} bytes (keys and values, with the base's): Kubernetes refuses a ConfigMap over 1 MiB (${MAX_CONFIG_MAP_BYTES} bytes)`;
}
