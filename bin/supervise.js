#!/usr/bin/env node
// The `supervise` binary. supervise is TypeScript run by Node 24's type stripping, and the project
// brings its own Node 24 (the `node` devDependency). This plain-JS entry runs on any Node: on 24+
// it loads the CLI in-process; on an older Node (`npx --prefix …` from another folder, a global
// link) it re-runs itself on the bundled Node 24, forwarding signals and the exit code.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
  const child = spawn(bundled, [cli, ...process.argv.slice(2)], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => {
    process.exitCode = code ?? (signal === "SIGINT" ? 130 : 1);
  });
}
