/**
 * Before any worker starts, every program the plan's commands start by name (gates, local CI,
 * CLI agents) is looked up inside the sandbox those commands will run in, with their PATH: a
 * program that is not there would burn the workstream's claims on exit 127, or restart its agent
 * blind. One missing is bad input for this machine (exit 2), named with where it was looked for,
 * where it is outside the sandbox if anywhere, and what to change.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { cliAgentCommand } from "../../../agent/index.ts";
import { SuperviseError } from "../../../errors.ts";
import { isCliAgent, type Plan } from "../../../plan/index.ts";
import { type CommandRunner, programsOf } from "../../../sandbox/index.ts";
import { isSelected, type RunRequest } from "./run-request.ts";
import { agentReadablePaths } from "./run-workers.ts";

/** A command of the plan, and who runs it, for the error message. */
export interface PlannedCommand {
  /** e.g. "workstream fix-parser's check command". */
  role: string;
  command: string;
  /** What this command alone may read (a CLI agent's install). */
  readOnly: readonly string[];
}

/** The commands the selected workstreams will run in the sandbox. */
export function plannedCommands(request: RunRequest, path: string | undefined): PlannedCommand[] {
  const { plan } = request;
  const commands: PlannedCommand[] = [];
  for (const workstream of plan.workstreams) {
    if (!isSelected(request.only, workstream.id)) continue;
    const { check, build, ci } = workstream.commands;
    const done = new Set<string>(workstream.done);
    const of = (what: string) => `workstream ${workstream.id}'s ${what}`;
    if (check && (done.has("local_check") || done.has("diff_scope"))) {
      commands.push({ role: of("check command"), command: check, readOnly: [] });
    }
    if (build && done.has("release_build"))
      commands.push({ role: of("build command"), command: build, readOnly: [] });
    // GitHub runs its own CI; the local forge runs the CI command in a sandbox here.
    if (ci && done.has("ci_green") && plan.forge.kind === "local") {
      commands.push({ role: of("CI command"), command: ci, readOnly: [] });
    }
    for (const gate of Object.values(workstream.commandGates)) {
      commands.push({ role: of(`gate ${gate.name}`), command: gate.run, readOnly: [] });
    }
    if (isCliAgent(workstream.agent)) {
      const command = cliAgentCommand(workstream.agent);
      commands.push({
        role: of("agent"),
        command,
        readOnly: agentReadablePaths(workstream.agent, command, path),
      });
    }
  }
  return commands;
}

export interface CommandPreflightInput {
  runner: CommandRunner;
  commands: readonly PlannedCommand[];
  /** The environment gates get (the agents' adds only the `supervise` shim in front). */
  environment: Record<string, string>;
  /** An empty folder is made here for the lookups to run in. */
  scratchParent: string;
  /** The supervisor's own PATH, to say where a missing program is outside the sandbox. */
  hostPath: string | undefined;
  plan: Plan;
}

export async function checkCommandsResolve(input: CommandPreflightInput): Promise<void> {
  // A relative PATH entry (`node_modules/.bin`) is looked up from the checkout, which does not
  // exist yet: nothing can be said missing until it does.
  if ((input.environment.PATH ?? "").split(":").some((folder) => folder !== "" && !folder.startsWith("/")))
    return;
  const groups = new Map<string, { readOnly: readonly string[]; programs: Set<string> }>();
  for (const planned of input.commands) {
    const key = planned.readOnly.join("\0");
    const group = groups.get(key) ?? { readOnly: planned.readOnly, programs: new Set<string>() };
    for (const program of programsOf(planned.command)) group.programs.add(program);
    groups.set(key, group);
  }
  const scratch = await mkdtemp(join(input.scratchParent, "supervise-preflight-"));
  const missing = new Set<string>();
  try {
    for (const group of groups.values()) {
      if (group.programs.size === 0) continue;
      const words = [...group.programs].map(shellQuoted).join(" ");
      const result = await input.runner.run({
        command: `for program in ${words}; do command -v -- "$program" >/dev/null 2>&1 || printf '%s\\n' "$program"; done`,
        cwd: scratch,
        env: input.environment,
        timeoutMs: 30_000,
        readOnly: group.readOnly,
      });
      // A lookup that could not run says nothing about the programs; the sandbox check before it speaks for that.
      if (result.exitCode !== 0) continue;
      for (const line of result.output.split("\n"))
        if (group.programs.has(line.trim())) missing.add(line.trim());
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (missing.size === 0) return;
  const lines = [...missing].map((program) => {
    const users = input.commands.filter((planned) => programsOf(planned.command).includes(program));
    const outside = findOnPath(program, input.hostPath);
    const where = outside
      ? `; outside the sandbox it is ${outside}, in a folder the sandbox does not mount`
      : "; it is not on the supervisor's PATH either";
    return `  \`${program}\`, run by ${users.map((user) => `${user.role} (\`${user.command}\`)`).join(", ")}${where}`;
  });
  const isolated = input.plan.sandbox.isolation === "bwrap";
  throw new SuperviseError(
    `Programs the plan's commands run are not found${isolated ? " inside the sandbox" : ""} (looked up on PATH=${input.environment.PATH ?? ""}):\n${lines.join("\n")}`,
    {
      hint: isolated
        ? "Install them where the sandbox mounts them (the system folders /usr, /opt, or a toolchain folder under HOME such as ~/.cargo/bin that is on the PATH supervise runs with), or change the plan's commands."
        : "Install them on the PATH supervise runs with, or change the plan's commands.",
    },
  );
}

function findOnPath(program: string, path: string | undefined): string | null {
  if (program.startsWith("/")) return existsSync(program) ? program : null;
  for (const folder of (path ?? "").split(":")) {
    if (!folder.startsWith("/")) continue;
    const candidate = join(folder, program);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

function shellQuoted(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
