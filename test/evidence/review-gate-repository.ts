/** A real git repository for the review gate's tests: a base on `main` and a workstream branch. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { plainGitEnvironment } from "../workspace/repositories.ts";

export interface ReviewRepository {
  path: string;
  /** PATH and HOME for the supervisor's safe git. */
  environment: Record<string, string>;
  baseSha: string;
  git(args: string[]): Promise<string>;
  write(files: Record<string, string>): Promise<void>;
  /** Commits the working tree as a worker would; resolves with the commit's SHA. */
  commit(message: string): Promise<string>;
  cleanup(): Promise<void>;
}

export const sumSource = "export const sum = (a, b) => a + b;\n";

export async function createReviewRepository(): Promise<ReviewRepository> {
  const root = await mkdtemp(join(tmpdir(), "supervise-review-"));
  const path = join(root, "repository");
  await mkdir(join(root, "home"));
  await mkdir(path);
  const environment = plainGitEnvironment(join(root, "home"));
  const git = async (args: string[]) => {
    const result = await execa("git", args, {
      cwd: path,
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
  };
  const write = async (files: Record<string, string>) => {
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(path, file)), { recursive: true });
      await writeFile(join(path, file), text);
    }
  };
  const commit = async (message: string) => {
    await git(["add", "--all"]);
    await git(["commit", "--quiet", "--allow-empty", "-m", message]);
    return git(["rev-parse", "HEAD"]);
  };
  await git(["init", "--quiet", "--initial-branch=main"]);
  await write({ "src/sum.js": sumSource, "README.md": "# sum\n" });
  const baseSha = await commit("base");
  return {
    path,
    environment: { PATH: environment.PATH!, HOME: environment.HOME! },
    baseSha,
    git,
    write,
    commit,
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
}
