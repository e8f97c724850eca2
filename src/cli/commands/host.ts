/**
 * `supervise host --queue redis://…`: run on each worker machine. It takes workstreams from the
 * queues of its labels and runs their workers and checkout gates here, sandboxed as the supervisor
 * would; its supervisor keeps the journal, the verdicts and the forge.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { hostname } from "node:os";
import { join, resolve } from "node:path";
import { writeSuperviseShim } from "../../agent/index.ts";
import { ExitCode, UsageError } from "../../errors.ts";
import { runHost, type WorkstreamRelays } from "../../hosts/index.ts";
import { gateNamePattern, type Plan } from "../../plan/index.ts";
import {
  buildCommandEnvironment,
  createCommandRunner,
  createProcessLimit,
  createRunIsolation,
  type IsolationPolicy,
  superviseInstallation,
  toolchainPaths,
} from "../../sandbox/index.ts";
import { parseCommandArguments, rejectExtraPositionals } from "../arguments.ts";
import type { CommandContext } from "./command-context.ts";
import { cliPath } from "./run/supervise-shim.ts";

export async function hostCommand(args: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArguments("host", args, {
    queue: { type: "string" },
    labels: { type: "string" },
    concurrency: { type: "string" },
    "work-dir": { type: "string" },
    name: { type: "string" },
    "lock-seconds": { type: "string" },
    "reattach-seconds": { type: "string" },
  });
  rejectExtraPositionals("host", positionals, 0);
  const queue = values.queue ?? context.environment.SUPERVISE_HOSTS_QUEUE;
  if (!queue || !/^rediss?:\/\/\S+$/.test(queue)) {
    throw new UsageError(
      "supervise host: --queue needs the Redis URL the plan's `hosts.queue` names (redis://host:port).",
    );
  }
  const labels = (values.labels ?? "")
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label !== "");
  const badLabel = labels.find((label) => !gateNamePattern.test(label));
  if (badLabel !== undefined) {
    throw new UsageError(
      `supervise host: --labels: "${badLabel}" is not a label (lower-case letters, digits, _ and -).`,
    );
  }
  const concurrency = positiveNumber("concurrency", values.concurrency, 2);
  const workFolder = resolve(
    context.cwd,
    values["work-dir"] ?? join(context.environment.HOME ?? context.cwd, ".supervise-host"),
  );
  mkdirSync(workFolder, { recursive: true });
  const name = values.name ?? `${hostname()}-${process.pid}`;
  const environment = {
    PATH: context.environment.PATH ?? "/usr/bin:/bin",
    HOME: context.environment.HOME ?? workFolder,
  };
  const baseEnvironment = buildCommandEnvironment({ parent: context.environment });
  const processLimit = await createProcessLimit({ maxProcesses: 4096 });
  const socatPath = findProgram("socat", environment.PATH);
  await runHost({
    queue,
    name,
    labels,
    concurrency,
    workFolder,
    lockMs: positiveNumber("lock-seconds", values["lock-seconds"], 30) * 1000,
    reattachMs: positiveNumber("reattach-seconds", values["reattach-seconds"], 600) * 1000,
    signal: context.signal,
    log: (line) => context.output.err(`supervise host: ${line}\n`),
    resourcesFor: async (run) => {
      const runFolder = join(workFolder, run);
      const shimDirectory = await writeSuperviseShim(join(runFolder, "bin"), {
        nodePath: process.execPath,
        cliPath: cliPath(),
      });
      return {
        environment,
        baseEnvironment,
        shimDirectory,
        socatPath,
        runners: (relays, plan) => {
          if (plan.sandbox.isolation === "none") return createCommandRunner({ processLimit });
          return createCommandRunner({
            processLimit,
            isolate: createRunIsolation({
              stateDirectory: workFolder,
              userRepository: join(runFolder, "cache.git"),
              mirrorPath: join(runFolder, "cache.git"),
              socketPath: relays.toolSocket,
              readOnly: [
                ...superviseInstallation(cliPath(), process.execPath),
                shimDirectory,
                ...toolchainPaths(environment.HOME, environment.PATH, existsSync),
              ],
              network: hostNetwork(plan, relays, socatPath),
              home: environment.HOME,
            }),
          });
        },
      };
    },
  });
  await processLimit.close();
  return ExitCode.interrupted;
}

function positiveNumber(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) {
    throw new UsageError(`supervise host: --${flag} must be a positive number, not "${value}".`);
  }
  return number;
}

function findProgram(program: string, path: string): string | undefined {
  try {
    return (
      execFileSync("sh", ["-c", `command -v ${program}`], { encoding: "utf8", env: { PATH: path } }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

/**
 * A command's network on this host: the plan's, with an allow-list going through the supervisor's
 * filtering proxy (and the loopback ports it allows), relayed over the workstream's channel. Without
 * socat here to bridge it, an allow-listed command gets no network.
 */
function hostNetwork(
  plan: Plan,
  relays: WorkstreamRelays,
  socatPath: string | undefined,
): IsolationPolicy["network"] {
  if (plan.sandbox.network === "host") return "host";
  if (typeof plan.sandbox.network !== "object" || !relays.allowList || !socatPath) return "none";
  return {
    proxySocketPath: relays.allowList.proxySocket,
    bridgePath: socatPath,
    loopback: relays.allowList.loopback,
  };
}
