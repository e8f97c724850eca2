/**
 * `go test` lists tests by name only with -v or -json; a plain `go test ./...` check prints just
 * its failures. The supervisor's runs of the check add `-json` through GOFLAGS, which go applies
 * to every go command that knows the flag: `go list` and `go vet` know it too, and their output
 * (read by a script, or vet's findings and exit code) would change. So it is added only to a
 * command made of `go test` invocations alone. The printed stream becomes go's JSON events, which
 * the go parser in test-names.ts reads; the exit code, which decides local_check, is unchanged.
 *
 * Limit: the events come from the go command's test2json, which reads the test binary's output;
 * before Go 1.24 a test that prints `--- PASS: TestX (0.00s)` is read as a passing TestX. This
 * lists tests without -v; it is not a channel the tested code cannot write.
 */

const separators = /&&|\|\||[;|\n]/;
const goTest = /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*go\s+test(?:\s|$)/;
const changeDirectory = /^cd\s+\S+$/;

/** Whether the command runs `go test` and no other go command or program but `cd`. */
export function runsOnlyGoTest(command: string): boolean {
  const segments = command
    .split(separators)
    .map((segment) => segment.trim())
    .filter((segment) => segment !== "");
  if (!segments.some((segment) => goTest.test(segment))) return false;
  return segments.every((segment) => goTest.test(segment) || changeDirectory.test(segment));
}

/** The environment with `-json` in GOFLAGS when the command runs only `go test`. */
export function withGoTestJson(command: string, environment: Record<string, string>): Record<string, string> {
  if (!runsOnlyGoTest(command)) return environment;
  const flags = environment.GOFLAGS ?? "";
  if (/(?:^|\s)-json(?:=\S*)?(?:\s|$)/.test(flags)) return environment;
  return { ...environment, GOFLAGS: flags ? `${flags} -json` : "-json" };
}
