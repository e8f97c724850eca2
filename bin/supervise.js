#!/usr/bin/env node
// The `supervise` binary. supervise is TypeScript run by Node 24's type stripping, and the project
// brings its own Node 24 (the `node` devDependency). This plain-JS entry runs on any Node: on 24+
// it loads the CLI in-process; on an older Node (`npx --prefix …` from another folder, a global
// link) it re-runs itself on the bundled Node 24, passing on signals and the exit code.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "src", "cli.ts");
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
  await import(cli);
} else {
  const bundled = join(root, "node_modules", ".bin", "node");
  if (!existsSync(bundled)) {
    process.stderr.write(
      `supervise needs Node 24 or newer; this is Node ${process.versions.node}, and the bundled Node 24 is missing.\n` +
        `Run \`npm ci\` in ${root} (it installs Node 24 into node_modules), then try again.\n`,
    );
    process.exit(1);
  }
  // The child's resume hints name this file, the command the person typed, not src/cli.ts.
  const child = spawn(bundled, [cli, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, SUPERVISE_ENTRY: process.argv[1] },
  });
  for (const signal of ["SIGINT", "SIGQUIT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      if (cameFromTerminal(signal)) return;
      child.kill(signal);
    });
  }
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? 128 + (constants.signals[signal] ?? 0);
  });
}

/**
 * Ctrl-C and Ctrl-\ signal the terminal's whole foreground process group, and the child is in this
 * one: it has its own copy already. Forwarding it would turn one Ctrl-C into two, and the CLI reads
 * a second Ctrl-C as "exit now". So a SIGINT or SIGQUIT is forwarded only when this process is not
 * in the terminal's foreground group (it was sent by `kill`, to this process alone). SIGTERM and
 * SIGHUP are always forwarded: the CLI takes a repeated one as the same request.
 */
function cameFromTerminal(signal) {
  if (signal !== "SIGINT" && signal !== "SIGQUIT") return false;
  try {
    // /proc/self/stat after the command name: state ppid pgrp session tty_nr tpgid …
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[2] === fields[5];
  } catch {
    // No /proc (macOS): a terminal on stdin means the keys that signal come from it.
    return Boolean(process.stdin.isTTY);
  }
}
