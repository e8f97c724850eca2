// Owns: the `supervise` command: argument parsing, the composition root that builds every side effect once (clock, environment, model client, forge, command runner, output) and passes it down, output modes, and the one handler that turns errors into exit codes.
// Must never: be imported by another part, or decide what a part below owns: it parses, wires and prints.
export { main } from "./main.ts";
