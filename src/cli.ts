#!/usr/bin/env node
// The `supervise` binary. Node 24 is required (the sources are TypeScript, run by its type
// stripping); the version check runs before any import that would fail on an older Node with a
// confusing error.
const major = Number(process.versions.node.split(".")[0]);
if (major < 24) {
  process.stderr.write(
    `supervise needs Node 24 or newer; this is Node ${process.versions.node}.\n` +
      "Run it through npm (`npm run supervise -- …` or `npx supervise …`), which uses the Node 24 from node_modules.\n",
  );
  process.exit(1);
}
// V8's code cache and the type-stripped sources, kept on disk between runs: the supervisor's start
// is mostly module compilation, paid again by every `supervise` a shell or a test starts. Kept in
// the installation's own node_modules/.cache, not the shared /tmp default, where another user
// could plant compiled code; whoever can write there can change the code itself anyway.
// NODE_COMPILE_CACHE chooses another place, NODE_DISABLE_COMPILE_CACHE turns it off; a folder
// that cannot be written leaves it off. It never throws.
const { enableCompileCache } = await import("node:module");
enableCompileCache?.(
  process.env.NODE_COMPILE_CACHE ||
    decodeURIComponent(new URL("../node_modules/.cache/supervise-compile-cache", import.meta.url).pathname),
);
const { main } = await import("./cli/index.ts");
process.exitCode = await main(process.argv.slice(2));
