import { ArgusKustomizeError } from "./errors.js";

/*
 * An error the operating system raised on a path (EACCES, EROFS, ENOSPC, EISDIR, ENOENT, …) is a
 * condition the user can fix, not a bug: it becomes FILE_ACCESS naming the path and what to do.
 * Anything else that is not an ArgusKustomizeError is left as it is, so the CLI reports it as a bug.
 */

/** A Node system error: an errno code (`EACCES`) and the syscall that failed. */
export function isOsError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const candidate = error as NodeJS.ErrnoException | null;
  return (
    candidate instanceof Error &&
    typeof candidate.code === "string" &&
    /^E[A-Z0-9]+$/.test(candidate.code) &&
    (typeof candidate.syscall === "string" || typeof candidate.errno === "number")
  );
}

/** What to do about each errno a user meets on a path. */
const ADVICE: Readonly<Record<string, string>> = {
  EACCES: "permission denied: give your user read (and, to write, write) access to it, or run as its owner",
  EPERM: "the operation is not permitted: check the file's owner, mode and attributes",
  EROFS: "it is on a read-only file system: run generate in a writable checkout (check, validate and render only read)",
  ENOSPC: "no space is left on the device: free some space, then run the command again",
  EDQUOT: "your disk quota is used up: free some space, then run the command again",
  EISDIR: "it is a directory where a file belongs: give a file, or move the directory away",
  ENOTDIR: "a part of the path is a file where a directory belongs: check the path",
  ENOENT: "it does not exist: check the path (relative paths are from the directory you run the command in)",
  EMFILE: "too many files are open: raise the limit (ulimit -n) and run again",
  ENFILE: "the system has too many files open: try again later",
  ELOOP: "too many symbolic links: check the links in the path",
  ENAMETOOLONG: "the path is too long: use a shorter one",
  EBUSY: "it is busy (in use by another program): try again when it is free",
  EIO: "the device reported an input/output error: check the disk",
  EEXIST: "something is already there: move it away",
};

/** What to do about an OS error, in a few words. */
export function osAdvice(error: NodeJS.ErrnoException): string {
  return ADVICE[error.code ?? ""] ?? `the operating system refused (${error.code ?? "unknown error"})`;
}

/**
 * The ArgusKustomizeError for an OS error on a path: FILE_ACCESS (or `code`) with the path, the
 * errno and what to do. Not an OS error: returned unchanged.
 *
 * @param doing what was being done, as in "cannot <doing>": "read the environment file"
 */
export function fileAccessError(error: unknown, doing?: string, code: "FILE_ACCESS" | "WRITE_FAILED" = "FILE_ACCESS"): unknown {
  if (!isOsError(error)) return error;
  const file = error.path;
  const advice = osAdvice(error);
  const action = doing ?? (error.syscall !== undefined ? `${error.syscall} it` : "use it");
  // The path goes in front, from the location: "/x/envs/a.yaml: cannot read ... (EACCES): ...".
  return new ArgusKustomizeError(code, `cannot ${action} (${error.code}): ${advice}`, {
    cause: error,
    ...(file !== undefined ? { location: { file } } : {}),
  });
}

/**
 * Runs `work`, turning an OS error it throws into FILE_ACCESS (see {@link fileAccessError}). Every
 * command runs inside one, so no errno reaches a user as a crash.
 */
export async function withOsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw fileAccessError(error);
  }
}
