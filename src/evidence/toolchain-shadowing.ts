/**
 * Files a claim brings into the checkout that gates and CI would run in place of the toolchain:
 * code under `node_modules/` (npm puts `node_modules/.bin` first on PATH, so a committed
 * `node_modules/.bin/node` rewrites every test run's output), programs named like the toolchain's
 * in a `bin/` folder, and Python's start-up hooks, which run inside every Python process. What the
 * gates run is the supervisor's, so any of these is a finding, whatever the file says. Pure.
 */
import { baseName } from "./file-roles.ts";

/** Programs that test, build and CI commands start by name. */
const toolchainProgram =
  /^(?:node|nodejs|npm|npx|yarn|pnpm|corepack|bun|deno|tsx|ts-node|vitest|jest|mocha|python[\d.]*|pip[\d.]*|pytest|py\.test|tox|uv|poetry|cargo|rustc|rustup|go|gofmt|java|javac|mvn|gradle|ruby|bundle|rake|make|bash|sh|env|git)(?:\.exe|\.cmd)?$/;

/** Why the file at `path` stands in for the toolchain, or null when it does not. */
export function toolchainShadowing(path: string): string | null {
  const folders = path.split("/").slice(0, -1);
  const name = baseName(path);
  if (folders.includes("node_modules")) {
    return `${path} is installed code committed under node_modules: the check, build and CI commands would load or run it in place of the real package`;
  }
  const folder = folders.at(-1);
  if ((folder === "bin" || folder === ".bin" || folder === "Scripts") && toolchainProgram.test(name)) {
    return `${path} is a program named like the toolchain's \`${name}\`: a command that puts ${folders.join("/")} on its PATH would run it instead`;
  }
  if (name === "sitecustomize.py" || name === "usercustomize.py" || /\.pth$/.test(name)) {
    return `${path} is a Python start-up hook: it runs inside every Python process, the test runner's included`;
  }
  return null;
}
