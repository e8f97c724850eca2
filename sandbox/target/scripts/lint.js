// The lint step: no trailing whitespace, no tabs, no console.log in src/.
import { readdirSync, readFileSync } from "node:fs";

let problems = 0;
for (const name of readdirSync("src").filter((file) => file.endsWith(".js"))) {
  readFileSync(`src/${name}`, "utf8")
    .split("\n")
    .forEach((line, index) => {
      const where = `src/${name}:${index + 1}`;
      if (/\s+$/.test(line)) {
        console.log(`${where}: trailing whitespace`);
        problems++;
      }
      if (line.includes("\t")) {
        console.log(`${where}: tab`);
        problems++;
      }
      if (line.includes("console.log")) {
        console.log(`${where}: console.log`);
        problems++;
      }
    });
}
if (problems > 0) {
  console.log(`${problems} lint problem(s)`);
  process.exit(1);
}
console.log("lint clean");
