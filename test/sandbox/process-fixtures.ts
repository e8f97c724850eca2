/** Helpers for tests that run the fixture scripts of test/fixtures/processes/. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildCommandEnvironment } from "../../src/sandbox/index.ts";

export function fixtureCommand(script: string, ...args: string[]): string {
  const path = fileURLToPath(new URL(`../fixtures/processes/${script}`, import.meta.url));
  return ["bash", path, ...args].join(" ");
}

/** The environment the tests' commands run with: the real policy over the real parent. */
export function testEnvironment(): Record<string, string> {
  return buildCommandEnvironment({ parent: process.env });
}

/** The `name=pid` lines the fixtures print. */
export function pidsIn(output: string): Record<string, number> {
  return Object.fromEntries(
    [...output.matchAll(/^([a-z-]+)=(\d+)$/gm)].map((match) => [match[1], Number(match[2])]),
  );
}

/** Read straight from /proc, independently of the code under test: a zombie counts as dead. */
export function isRunning(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/stat`, "utf8");
    return !["Z", "X"].includes(status.slice(status.lastIndexOf(")") + 2, status.lastIndexOf(")") + 3));
  } catch {
    return false;
  }
}

/** The pids still running; for assertions, and to clean up after a failed test. */
export function runningAmong(pids: Iterable<number>): number[] {
  return [...pids].filter(isRunning);
}

export function killLeftovers(pids: Iterable<number>): void {
  for (const pid of runningAmong(pids)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Gone in the meantime.
    }
  }
}
