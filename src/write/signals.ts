import { constants } from "node:os";

/*
 * A generate stopped with Ctrl-C or `kill` (SIGINT, SIGTERM) must not leave its lock and staging
 * directory behind: the next generate would wait for the lock, and the staging copy would sit in
 * the tree. While the writer holds them, these handlers run its cleanups and end the process the
 * way the signal would have (exit code 128 + the signal's number: 130, 143). A SIGKILL cannot be
 * caught: that case is the journal's (roll forward) and the next generate's (dead process's lock).
 */

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const cleanups: (() => void)[] = [];

/** Signals received while termination was held (see {@link holdTermination}). */
let holds = 0;
let pending: (typeof SIGNALS)[number] | undefined;

function onSignal(signal: (typeof SIGNALS)[number]): void {
  if (holds > 0) {
    pending ??= signal;
    return;
  }
  // Latest first, as `finally` blocks unwind: the staging directory goes before the lock is released.
  for (const cleanup of [...cleanups].reverse()) {
    try {
      cleanup();
    } catch {
      // One failed cleanup must not keep the others (above all the lock release) from running.
    }
  }
  process.exit(128 + constants.signals[signal]);
}

/**
 * Runs `cleanup` (synchronously: a handler cannot await) if the process receives SIGINT or
 * SIGTERM before the returned function is called; then the process exits with 128 + the signal.
 * The handlers are installed only while a cleanup is registered, so a process not writing a tree
 * keeps its own (or Node's default) behaviour.
 */
export function onTermination(cleanup: () => void): () => void {
  if (cleanups.length === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
    if (cleanups.length === 0) for (const signal of SIGNALS) process.off(signal, onSignal);
  };
}

/**
 * Holds a SIGINT or SIGTERM off while a committed tree is put in place (a few renames): the signal
 * is remembered, and the returned release ends the process with it once the tree is whole, so a
 * stopped generate leaves the tree either as it was or complete, never waiting for a roll-forward.
 * Only while a cleanup is registered (the handlers are installed) does a hold change anything.
 */
export function holdTermination(): () => void {
  holds += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holds -= 1;
    if (holds === 0 && pending !== undefined) {
      const signal = pending;
      pending = undefined;
      onSignal(signal);
    }
  };
}
