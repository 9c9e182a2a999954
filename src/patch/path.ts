/**
 * Compile-time paths into kubernetes-types objects. A path is a tuple of keys (and array
 * indexes); `ValueAt` walks the resource type along it, so a misspelled key makes the value
 * type `never` and the call fails to compile, and a value of the wrong type is rejected.
 */

/** One step of a path: an object key or an array index. */
export type PathSegment = string | number;

type Scalar = string | number | boolean | bigint | symbol;

/**
 * The type found at path `P` inside `T`, or `never` if the path does not exist in the type.
 *
 * @example
 * type Replicas = ValueAt<Deployment, ["spec", "replicas"]>; // number | undefined
 */
export type ValueAt<T, P extends readonly PathSegment[]> = P extends readonly []
  ? T
  : P extends readonly [infer Head, ...infer Rest extends readonly PathSegment[]]
    ? NonNullable<T> extends Scalar
      ? never
      : NonNullable<T> extends readonly (infer Element)[]
        ? Head extends number
          ? ValueAt<Element, Rest>
          : never
        : Head extends keyof NonNullable<T>
          ? ValueAt<NonNullable<T>[Head], Rest>
          : never
    : never;

/** The value a `set` at path `P` of `T` accepts: the type there, without `undefined` (use `remove`). */
export type SettableAt<T, P extends readonly PathSegment[]> = NonNullable<ValueAt<T, P>>;

/**
 * Extra arguments a path-only call (like `remove`) demands: none for a path the type has, an
 * impossible one otherwise, so a misspelled path fails to compile.
 */
export type KnownPath<T, P extends readonly PathSegment[]> = [SettableAt<T, P>] extends [never] ? [unknownPath: never] : [];

/** The keys of an RFC 6901 JSON pointer (`~1` and `~0` unescaped); `[]` for the root `""`. */
export function fromJsonPointer(pointer: string): string[] {
  return pointer === ""
    ? []
    : pointer
        .split("/")
        .slice(1)
        .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** RFC 6901 JSON pointer for a path (`~` and `/` escaped). */
export function toJsonPointer(path: readonly PathSegment[]): string {
  return path.map((segment) => `/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}
