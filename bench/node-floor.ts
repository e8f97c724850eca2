/**
 * The floor again, driven by the least a Node program can do: one Node process (started fresh,
 * as the supervisor is) spawns the floor's commands for each workstream, four at a time, and
 * nothing else — no journal, no verification, no bridge. Its wall time over the bash floor's is
 * what any supervisor written for Node pays before doing any of its own work, so it bounds how
 * close `overhead_ratio_n50` can come to 1 on this machine.
 *
 * Run as a child: `node bench/node-floor.ts DIRECTORY CONCURRENCY CHECK ID…` (the floor's files there).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

const [directoryArgument, concurrencyText, checkArgument, ...workstreamIds] = process.argv.slice(2);
if (!directoryArgument || !concurrencyText || checkArgument === undefined) {
  throw new Error("usage: node-floor.ts DIRECTORY CONCURRENCY CHECK ID…");
}
const directory: string = directoryArgument;
const checkCommand: string = checkArgument;

function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(" ")}: ${code}`)),
    );
  });
}

const mirror = join(directory, "node-floor-mirror.git");
await run("git", ["clone", "-q", "--bare", join(directory, "repo"), mirror], { cwd: directory });

async function oneWorkstream(id: string): Promise<void> {
  const checkout = join(directory, "node-floor-checkouts", id);
  await run("git", ["clone", "-q", "--shared", mirror, checkout], { cwd: directory });
  await run("git", ["checkout", "-q", "-b", `supervise/${id}`], { cwd: checkout });
  const env = {
    ...process.env,
    SUPERVISE_WORKSTREAM: id,
    PATH: `${join(directory, "floor-bin")}:${process.env.PATH}`,
  };
  await run("bash", [join(directory, "worker.sh")], { cwd: checkout, env });
  await run("bash", ["-c", checkCommand], { cwd: checkout });
}

const queue = [...workstreamIds];
await Promise.all(
  Array.from({ length: Number(concurrencyText) }, async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) await oneWorkstream(id);
  }),
);
