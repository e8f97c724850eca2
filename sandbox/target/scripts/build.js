// The release build: bundles src/ into dist/widget.js and fails on a syntax error.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const sources = readdirSync("src")
  .filter((name) => name.endsWith(".js"))
  .sort();
const bundle = sources.map((name) => `// ${name}\n${readFileSync(`src/${name}`, "utf8")}`).join("\n");
mkdirSync("dist", { recursive: true });
writeFileSync("dist/widget.js", bundle);
for (const name of sources) await import(`../src/${name}`);
console.log(`built dist/widget.js from ${sources.length} modules`);
