/**
 * Git as a test's worker uses it in a project on disk: a command run as the worker, and a commit of
 * files written (or, for null, deleted), returning its SHA. The environment is the caller's, so a
 * test keeps its own PATH and HOME.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";

export async function gitAsWorker(
  repository: string,
  environment: Record<string, string>,
  args: readonly string[],
): Promise<string> {
  const result = await execa("git", args, {
    cwd: repository,
    env: {
      ...environment,
      GIT_AUTHOR_NAME: "Worker",
      GIT_AUTHOR_EMAIL: "worker@example.invalid",
      GIT_COMMITTER_NAME: "Worker",
      GIT_COMMITTER_EMAIL: "worker@example.invalid",
    },
    extendEnv: false,
  });
  return result.stdout.trim();
}

export async function commitAsWorker(
  repository: string,
  environment: Record<string, string>,
  files: Record<string, string | null>,
): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    if (text === null) {
      await rm(join(repository, path));
      continue;
    }
    await mkdir(dirname(join(repository, path)), { recursive: true });
    await writeFile(join(repository, path), text);
  }
  await gitAsWorker(repository, environment, ["add", "--all"]);
  await gitAsWorker(repository, environment, ["commit", "--quiet", "-m", "change"]);
  return gitAsWorker(repository, environment, ["rev-parse", "HEAD"]);
}
