/**
 * The github forge's push, with real git: to a bare repository named by path (the plan's remote
 * can be one), and over smart HTTP to a loopback server that demands the token as GitHub does.
 * git is reached through a wrapper on PATH that records every argv and environment, so the tests
 * see where the token went.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import {
  createGitPusher,
  credentialEnvironment,
  redactUrl,
  resolveRemoteUrl,
} from "../../../src/forge/github/git-push.ts";
import { createGithubForge, type GithubForge } from "../../../src/forge/github/index.ts";
import { pinnedSettingArguments } from "../../../src/workspace/protective-config.ts";
import { type GitHttpServer, startGitHttpServer } from "../../fakes/github-git-server.ts";

const token = "ghs_PUSHsecret0123456789abcdef";
const basic = Buffer.from(`x-access-token:${token}`).toString("base64");

const gitEnvironment = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Worker",
  GIT_AUTHOR_EMAIL: "worker@example.com",
  GIT_COMMITTER_NAME: "Worker",
  GIT_COMMITTER_EMAIL: "worker@example.com",
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "init.defaultBranch=main", ...args], {
    cwd,
    env: gitEnvironment,
    extendEnv: false,
  });
  return result.stdout.trim();
}

interface Fixture {
  root: string;
  userRepository: string;
  mirror: string;
  remote: string;
  sha: string;
  /** Every git invocation the forge made: argv, then the environment it got. */
  invocations(): Promise<string>;
  forge(overrides?: { remote?: string; token?: string }): GithubForge;
}

describe("git push", () => {
  let fixture: Fixture;
  let servers: GitHttpServer[] = [];

  beforeEach(async () => {
    const root = await mkdtemp(join(tmpdir(), "supervise-github-push-"));
    const userRepository = join(root, "widget");
    await mkdir(userRepository);
    await git(userRepository, "init", "--quiet");
    await writeFile(join(userRepository, "README.md"), "widget\n");
    await git(userRepository, "add", "README.md");
    await git(userRepository, "commit", "--quiet", "-m", "Initial commit");
    const remote = join(root, "remote.git");
    await git(root, "clone", "--quiet", "--bare", userRepository, remote);
    await git(userRepository, "remote", "add", "origin", remote);

    // The supervisor's mirror: a bare clone without remotes, holding the worker's commit.
    const mirror = join(root, "mirror.git");
    await git(root, "clone", "--quiet", "--bare", userRepository, mirror);
    await git(mirror, "remote", "remove", "origin");
    const work = join(root, "checkout");
    await git(root, "clone", "--quiet", mirror, work);
    await writeFile(join(work, "parser.ts"), "export const parse = () => 1;\n");
    await git(work, "add", "parser.ts");
    await git(work, "commit", "--quiet", "-m", "Fix the parser");
    const sha = await git(work, "rev-parse", "HEAD");
    await git(mirror, "fetch", "--quiet", work, `${sha}:refs/supervise/ws1/commits/${sha}`);

    const wrapperDirectory = join(root, "bin");
    await mkdir(wrapperDirectory);
    const log = join(root, "git-invocations.log");
    const realGit = (await execa("sh", ["-c", "command -v git"])).stdout.trim();
    await writeFile(
      join(wrapperDirectory, "git"),
      `#!/bin/sh\n{ printf 'argv:'; printf ' %s' "$@"; printf '\\n'; env | sed 's/^/env: /'; } >> '${log}'\nexec '${realGit}' "$@"\n`,
    );
    await chmod(join(wrapperDirectory, "git"), 0o755);

    fixture = {
      root,
      userRepository,
      mirror,
      remote,
      sha,
      invocations: () => readFile(log, "utf8").catch(() => ""),
      forge: (overrides = {}) =>
        createGithubForge({
          owner: "acme",
          repo: "widget",
          apiUrl: "https://api.github.com",
          token: overrides.token ?? token,
          userRepository,
          remote: overrides.remote ?? "origin",
          base: "main",
          clock: new ManualClock(),
          environment: { PATH: `${wrapperDirectory}:${gitEnvironment.PATH}` },
          fetch: () => Promise.reject(new Error("a push makes no API request")),
        }),
    };
  });

  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    servers = [];
    await rm(fixture.root, { recursive: true, force: true });
  });

  describe("pushing to a remote named by path", () => {
    it("force-pushes the commit to the branch of the user repository's remote", async () => {
      await fixture
        .forge()
        .push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "supervise/ws1" });
      expect(await git(fixture.remote, "rev-parse", "refs/heads/supervise/ws1")).toBe(fixture.sha);

      // A rewritten history replaces the branch.
      const other = await git(fixture.mirror, "commit-tree", "-m", "rewritten", `${fixture.sha}^{tree}`);
      await fixture.forge().push({ fromRepository: fixture.mirror, sha: other, branch: "supervise/ws1" });
      expect(await git(fixture.remote, "rev-parse", "refs/heads/supervise/ws1")).toBe(other);
    });

    it("runs git without hooks or credentials of any config, and hands a path remote no credential", async () => {
      await writeFile(join(fixture.mirror, "hooks", "pre-push"), "#!/bin/sh\ntouch hook-ran\nexit 1\n", {
        mode: 0o755,
      });
      await fixture
        .forge()
        .push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "supervise/ws1" });
      const log = await fixture.invocations();
      const push = log.split("\n").find((line) => line.startsWith("argv:") && line.includes(" push "));
      expect(push).toBe(
        `argv: --no-optional-locks ${pinnedSettingArguments.join(" ")} push --force --no-verify --quiet ${fixture.remote} ${fixture.sha}:refs/heads/supervise/ws1`,
      );
      expect(log).not.toContain(token);
      expect(log).not.toContain(basic);
      expect(log).not.toContain("GIT_CONFIG_COUNT");
      expect(log).toContain("env: GIT_CONFIG_GLOBAL=/dev/null");
      expect(log).toContain("env: GIT_CONFIG_NOSYSTEM=1");
    });

    it("resolves a relative remote path against the user's repository", async () => {
      await git(fixture.userRepository, "remote", "set-url", "origin", "../remote.git");
      await fixture
        .forge()
        .push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "supervise/ws1" });
      expect(await git(fixture.remote, "rev-parse", "refs/heads/supervise/ws1")).toBe(fixture.sha);
    });

    it("refuses the base branch, a malformed branch, an unknown commit and a missing remote", async () => {
      const forge = fixture.forge();
      await expect(
        forge.push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "main" }),
      ).rejects.toThrow("`main` is protected: changes reach it only through a merged pull request.");
      await expect(
        forge.push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "bad..name" }),
      ).rejects.toThrow("Cannot push: `bad..name` is not a valid branch name.");
      await expect(
        forge.push({ fromRepository: fixture.mirror, sha: "d".repeat(40), branch: "supervise/ws1" }),
      ).rejects.toThrow(
        `Cannot push supervise/ws1 from ${fixture.mirror}: it has no commit ${"d".repeat(40)}.`,
      );
      await expect(
        fixture
          .forge({ remote: "upstream" })
          .push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "supervise/ws1" }),
      ).rejects.toThrow(
        `The plan's repository ${fixture.userRepository} has no remote \`upstream\` to push to.`,
      );
    });
  });

  describe("pushing over HTTP with the token", () => {
    it("authenticates with the token as GitHub expects, through the environment only", async () => {
      const server = await startGitHttpServer({ projectRoot: fixture.root, token });
      servers.push(server);
      const url = server.url("remote.git");
      await git(fixture.remote, "config", "http.receivepack", "true");
      await git(fixture.userRepository, "remote", "set-url", "origin", url);
      await fixture
        .forge()
        .push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "supervise/ws1" });

      expect(await git(fixture.remote, "rev-parse", "refs/heads/supervise/ws1")).toBe(fixture.sha);
      expect(server.authorizations.length).toBeGreaterThan(1);
      expect(new Set(server.authorizations)).toEqual(new Set([`Basic ${basic}`]));
      const log = await fixture.invocations();
      const argvLines = log.split("\n").filter((line) => line.startsWith("argv:"));
      expect(argvLines).toContainEqual(expect.stringContaining(" push "));
      for (const line of argvLines) {
        expect(line).not.toContain(token);
        expect(line).not.toContain(basic);
      }
      expect(log).not.toContain(token);
      expect(log).toContain(`env: GIT_CONFIG_KEY_0=http.${url}.extraHeader`);
    });

    it("fails with git's reason, naming neither token nor credentials in the URL", async () => {
      const server = await startGitHttpServer({ projectRoot: fixture.root, token });
      servers.push(server);
      const url = server.url("remote.git").replace("http://", "http://someone:hunter2@");
      await git(fixture.userRepository, "remote", "set-url", "origin", url);
      const error = await fixture
        .forge({ token: "ghs_wrong" })
        .push({ fromRepository: fixture.mirror, sha: fixture.sha, branch: "supervise/ws1" })
        .then(
          () => {
            throw new Error("expected the push to fail");
          },
          (caught: unknown) => caught as Error,
        );
      expect(error).toMatchObject({ name: "GithubForgeError" });
      expect(error.message).toContain("Could not push supervise/ws1");
      expect(error.message).toContain("http://***@127.0.0.1");
      expect(error.message).not.toContain("hunter2");
      expect(error.message).not.toContain("ghs_wrong");
      expect(error.message).toMatch(
        /^Could not push supervise\/ws1 from .+ to http:\/\/\*\*\*@127\.0\.0\.1:\d+\/remote\.git: fatal: Authentication failed for 'http:\/\/127\.0\.0\.1:\d+\/remote\.git\/'$/,
      );
    });
  });
});

describe("ancestry in the repository a head was pushed from", () => {
  it("says whether the base's tip is in a head's history, and nothing about a commit it lacks", async () => {
    const repository = await mkdtemp(join(tmpdir(), "supervise-github-ancestry-"));
    try {
      await git(repository, "init", "--quiet");
      await git(repository, "commit", "--quiet", "--allow-empty", "-m", "base");
      const base = await git(repository, "rev-parse", "HEAD");
      await git(repository, "commit", "--quiet", "--allow-empty", "-m", "work");
      const head = await git(repository, "rev-parse", "HEAD");
      const pusher = createGitPusher({
        userRepository: repository,
        remote: "origin",
        token,
        environment: { PATH: gitEnvironment.PATH },
      });
      expect(await pusher.isAncestor({ repository, ancestor: base, descendant: head })).toBe(true);
      expect(await pusher.isAncestor({ repository, ancestor: head, descendant: base })).toBe(false);
      // A tip GitHub made (a merge of another workstream) that this repository never fetched.
      expect(await pusher.isAncestor({ repository, ancestor: "e".repeat(40), descendant: head })).toBeNull();
    } finally {
      await rm(repository, { recursive: true, force: true });
    }
  });
});

describe("the pure parts", () => {
  it("scopes the Authorization header to the remote's URL, and gives other remotes nothing", () => {
    expect(credentialEnvironment("https://github.com/acme/widget.git", "t0k")).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.https://github.com/acme/widget.git.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from("x-access-token:t0k").toString("base64")}`,
    });
    expect(credentialEnvironment("git@github.com:acme/widget.git", "t0k")).toEqual({});
    expect(credentialEnvironment("/srv/git/widget.git", "t0k")).toEqual({});
  });

  it.each([
    ["https://github.com/acme/widget.git", "https://github.com/acme/widget.git"],
    ["ssh://git@github.com/acme/widget.git", "ssh://git@github.com/acme/widget.git"],
    ["git@github.com:acme/widget.git", "git@github.com:acme/widget.git"],
    ["/srv/git/widget.git", "/srv/git/widget.git"],
    ["../origin.git", "/home/me/origin.git"],
    ["./sub:dir/origin.git", "/home/me/widget/sub:dir/origin.git"],
  ])("resolves %s to %s", (url, expected) => {
    expect(resolveRemoteUrl(url, "/home/me/widget")).toBe(expected);
  });

  it("redacts userinfo from URLs in messages", () => {
    expect(redactUrl("fatal: unable to access 'https://me:secret@github.com/acme/widget.git/'")).toBe(
      "fatal: unable to access 'https://***@github.com/acme/widget.git/'",
    );
  });
});
