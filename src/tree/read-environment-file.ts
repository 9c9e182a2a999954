import { constants } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { Stats } from "node:fs";
import { ArgusKustomizeError } from "../errors.js";
import { osAdvice } from "../os-errors.js";
import type { EnvironmentSource } from "../model/environment-spec.js";
import { decodeEnvironmentFile, environmentSourceFromText, rememberedEnvironmentSource } from "../model/environment-file.js";
import type { ParsedFiles } from "./parsed-files.js";
import { RECORD_FILE } from "./record.js";

/** The largest environment file read: a real one is a few hundred bytes; anything near 1 MiB is the wrong file. */
export const MAX_ENVIRONMENT_FILE_BYTES = 1024 * 1024;

/**
 * Reads an environment file with bounded work: a path that is not a regular file (a FIFO, a
 * device, a directory, a socket) is refused from its metadata without being read (a FIFO would
 * block forever, /dev/zero never ends), a file over 1 MiB is refused before it is read, and the
 * bytes must be UTF-8 text.
 *
 * @param shown the path as the user should see it in messages
 * @param recorded the environment's name when the path comes from the tree's record, so a missing
 * file says how to restore, replace or drop it
 * @param parsed what texts parsed to in earlier runs (a text found there is not parsed again)
 * @throws ArgusKustomizeError INVALID_SPEC naming the file (not an environment file), FILE_ACCESS
 * (the operating system refused to read it)
 */
export async function readEnvironmentFile(absolute: string, shown: string, recorded?: string, parsed?: ParsedFiles): Promise<EnvironmentSource> {
  const fail = (message: string, cause?: unknown) =>
    new ArgusKustomizeError("INVALID_SPEC", message, { cause, location: { file: shown, ...(recorded !== undefined ? { environment: recorded } : {}) } });
  // What the operating system refused is FILE_ACCESS, with what to do; the file is named as the
  // user gave it (or as the record has it, relative to where they stand).
  const unreadable = (error: NodeJS.ErrnoException) => {
    const code = error.code ?? error.message;
    const where = { file: shown, ...(recorded !== undefined ? { environment: recorded } : {}) };
    return recorded === undefined
      ? new ArgusKustomizeError("FILE_ACCESS", `cannot read the environment file (${code}): ${osAdvice(error)}`, { cause: error, location: where })
      : new ArgusKustomizeError(
          "FILE_ACCESS",
          `${RECORD_FILE} records environment "${recorded}" from ${shown}, which cannot be read (${code}: ${osAdvice(error)}); ` +
            `restore it, pass its new path with --env-file, or drop it with --remove-env ${recorded}`,
          { cause: error, location: where },
        );
  };
  const check = (info: Stats) => {
    if (!info.isFile()) throw fail(`is ${kindOf(info)}, not a regular file: give the path of a YAML or JSON environment file`);
    if (info.size > MAX_ENVIRONMENT_FILE_BYTES) {
      throw fail(`is ${info.size} bytes: an environment file is at most 1 MiB (${MAX_ENVIRONMENT_FILE_BYTES} bytes); is it the right file?`);
    }
  };

  check(await stat(absolute).catch((error: NodeJS.ErrnoException) => Promise.reject(unreadable(error))));
  // Non-blocking, and checked again on the open descriptor: the path may have been swapped for a
  // FIFO or a larger file between the stat and the open.
  const handle = await open(absolute, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY).catch((error: NodeJS.ErrnoException) =>
    Promise.reject(unreadable(error)),
  );
  let bytes: Buffer;
  try {
    const info = await handle.stat();
    check(info);
    // Sized by the file (a 1 MiB buffer per file was most of the time of reading 500 files,
    // zero-filled and collected), grown only if the file grew meanwhile, never past the limit.
    let buffer = Buffer.allocUnsafe(Math.min(info.size + 1, MAX_ENVIRONMENT_FILE_BYTES + 1));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > MAX_ENVIRONMENT_FILE_BYTES) throw fail(`grew past 1 MiB (${MAX_ENVIRONMENT_FILE_BYTES} bytes) while it was read`);
        const larger = Buffer.allocUnsafe(Math.min(buffer.length * 2, MAX_ENVIRONMENT_FILE_BYTES + 1));
        buffer.copy(larger, 0, 0, length);
        buffer = larger;
      }
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_ENVIRONMENT_FILE_BYTES) throw fail(`grew past 1 MiB (${MAX_ENVIRONMENT_FILE_BYTES} bytes) while it was read`);
    }
    bytes = buffer.subarray(0, length);
  } catch (error) {
    throw error instanceof ArgusKustomizeError ? error : unreadable(error as NodeJS.ErrnoException);
  } finally {
    await handle.close();
  }
  const text = decodeEnvironmentFile(bytes, shown);
  const remembered = parsed?.get(text);
  if (remembered !== undefined) return rememberedEnvironmentSource(remembered, text, shown);
  const source = environmentSourceFromText(text, shown);
  parsed?.remember(text, source.spec);
  return source;
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a named pipe (FIFO)";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}
