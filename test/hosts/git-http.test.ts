/**
 * Git smart HTTP end to end: a real node:http server on loopback runs the real `git http-backend`
 * over a real bare repository, and real git clones, fetches and (fails to) push through it.
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  classifyGitFailure,
  cloneArguments,
  cloneServedRepository,
  fetchArguments,
  fetchServed,
  gitHttpEnvironment,
  ServedRepositoryError,
} from "../../src/hosts/git-http-client.ts";
import { handleGitHttp, parseCgiHeaders } from "../../src/hosts/git-http-server.ts";

const token = "s3cret-token-0123456789";
const gitEnvironment: Record<string, string> = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: "/nonexistent",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Supervisor",
  GIT_AUTHOR_EMAIL: "supervisor@example.com",
  GIT_COMMITTER_NAME: "Supervisor",
  GIT_COMMITTER_EMAIL: "supervisor@example.com",
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const result = await execa("git", ["-c", "init.defaultBranch=main", ...args], {
    cwd,
    env: gitEnvironment,
    extendEnv: false,
  });
  return result.stdout.trim();
}

async function commitFile(repository: string, path: string, content: string): Promise<string> {
  await writeFile(join(repository, path), content);
  await git(repository, "add", path);
  await git(repository, "commit", "--quiet", "-m", `write ${path}`);
  return git(repository, "rev-parse", "HEAD");
}

let root: string;
let bare: string;
let work: string;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "git-http-"));
  // The served name differs from the dir name, as the supervisor's forge origin's does.
  bare = join(root, "forge", "origin-bare");
  work = join(root, "work");
  await git(root, "init", "--quiet", "--bare", bare);
  await git(root, "init", "--quiet", work);
  await commitFile(work, "README.md", "hello\n");
  await git(work, "push", "--quiet", bare, "main");

  const repositories = new Map([["origin.git", bare]]);
  server = createServer((request, response) => {
    const isHandled = handleGitHttp(request, response, {
      repositories,
      isAuthorized: (header) => header === `Bearer ${token}`,
      pathPrefix: "/git/",
      searchPath: gitEnvironment.PATH,
    });
    if (!isHandled) response.writeHead(418).end("not git\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/git`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

/** A raw request, so paths reach the server exactly as written (fetch would normalize `..`). */
function rawRequest(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: "127.0.0.1", port, method, path, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
      );
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

const authorized = { Authorization: `Bearer ${token}` };

function withoutPort(text: string): string {
  return text.replaceAll(/127\.0\.0\.1:\d+/g, "127.0.0.1:PORT");
}

async function cloneFailure(promise: Promise<void>): Promise<ServedRepositoryError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ServedRepositoryError);
  return error as ServedRepositoryError;
}

describe("cloning through the server", () => {
  it("clones the bare repository with the token, without checking out", async () => {
    const directory = join(root, "clone-ok");
    await cloneServedRepository({
      url: `${baseUrl}/origin.git`,
      token,
      directory,
      environment: gitEnvironment,
    });
    expect(await git(directory, "rev-parse", "origin/main")).toEqual(await git(bare, "rev-parse", "main"));
    expect(await git(directory, "ls-files")).toEqual("");
  });

  it("clones a named branch", async () => {
    const directory = join(root, "clone-branch");
    await cloneServedRepository({
      url: `${baseUrl}/origin.git`,
      token,
      directory,
      branch: "main",
      environment: gitEnvironment,
    });
    expect(await git(directory, "symbolic-ref", "HEAD")).toEqual("refs/heads/main");
  });

  it("fails with a 401 for a wrong token, and the message never holds the token", async () => {
    const wrongToken = "wrong-token-9876543210";
    const error = await cloneFailure(
      cloneServedRepository({
        url: `${baseUrl}/origin.git`,
        token: wrongToken,
        directory: join(root, "clone-wrong"),
        environment: gitEnvironment,
      }),
    );
    expect([error.failure, error.hint]).toEqual([
      "unauthorized",
      "Give this host the supervisor's current worker token.",
    ]);
    expect(withoutPort(error.message)).toMatchInlineSnapshot(`
      "git clone from http://127.0.0.1:PORT/git/origin.git failed: the server refused the token (HTTP 401).
      fatal: could not read Username for 'http://127.0.0.1:PORT': terminal prompts disabled"
    `);
    expect(error.message).not.toContain(wrongToken);
    expect(JSON.stringify(error)).not.toContain(wrongToken);
    expect(error.operation).toEqual("clone");
  });

  it("answers 401 with a Bearer challenge when no token is sent", async () => {
    const response = await rawRequest("GET", "/git/origin.git/info/refs?service=git-upload-pack");
    expect([response.status, response.headers["www-authenticate"]]).toEqual([401, "Bearer"]);
  });

  it("answers 401 before saying whether a repository exists", async () => {
    const response = await rawRequest("GET", "/git/nope.git/info/refs?service=git-upload-pack");
    expect(response.status).toEqual(401);
  });

  it("fails with a 404 for an unknown repository", async () => {
    const error = await cloneFailure(
      cloneServedRepository({
        url: `${baseUrl}/unknown.git`,
        token,
        directory: join(root, "clone-unknown"),
        environment: gitEnvironment,
      }),
    );
    expect(error.failure).toEqual("not-found");
    expect(withoutPort(error.message)).toMatchInlineSnapshot(`
      "git clone from http://127.0.0.1:PORT/git/unknown.git failed: the server serves no repository at that URL (HTTP 404).
      remote: No such repository.
      fatal: repository 'http://127.0.0.1:PORT/git/unknown.git/' not found"
    `);
    const response = await rawRequest(
      "GET",
      "/git/unknown.git/info/refs?service=git-upload-pack",
      authorized,
    );
    expect(response.status).toEqual(404);
  });

  it("refuses paths that climb out of a repository, or that only its dir name reaches", async () => {
    const paths = [
      "/git/origin.git/../origin-bare/info/refs?service=git-upload-pack",
      "/git/../forge/origin-bare/info/refs?service=git-upload-pack",
      "/git/%2e%2e/forge/origin-bare/info/refs?service=git-upload-pack",
      "/git/origin.git%2f..%2forigin-bare/info/refs?service=git-upload-pack",
      "/git/origin-bare/info/refs?service=git-upload-pack",
      "/git/origin.git/HEAD",
      "/git/origin.git/objects/info/packs",
    ];
    const statuses = await Promise.all(
      paths.map(async (path) => (await rawRequest("GET", path, authorized)).status),
    );
    expect(statuses).toEqual(paths.map(() => 404));
  });

  it("leaves URLs outside the prefix to the caller", async () => {
    expect((await rawRequest("GET", "/other/origin.git/info/refs", authorized)).status).toEqual(418);
  });
});

describe("the upload-pack request", () => {
  it("passes Git-Protocol and a gzip body through to http-backend", async () => {
    // A protocol v2 ls-refs command in pkt-lines: the command, a delimiter, a flush.
    const command = Buffer.from("0014command=ls-refs\n00010000");
    const response = await rawRequest(
      "POST",
      "/git/origin.git/git-upload-pack",
      {
        ...authorized,
        "Content-Type": "application/x-git-upload-pack-request",
        "Content-Encoding": "gzip",
        "Git-Protocol": "version=2",
      },
      gzipSync(command),
    );
    const main = await git(bare, "rev-parse", "main");
    expect([response.status, response.headers["content-type"]]).toEqual([
      200,
      "application/x-git-upload-pack-result",
    ]);
    expect(response.body).toContain(`${main} refs/heads/main`);
  });

  it("keeps serving after a client hangs up in the middle of a request body", async () => {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      const outgoing = httpRequest({
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/git/origin.git/git-upload-pack",
        headers: {
          ...authorized,
          "Content-Type": "application/x-git-upload-pack-request",
          "Content-Length": "1000",
        },
      });
      outgoing.on("error", () => resolve());
      outgoing.write("0014command=ls-refs\n", () => outgoing.destroy());
      outgoing.on("close", () => resolve());
    });
    const response = await rawRequest("GET", "/git/origin.git/info/refs?service=git-upload-pack", authorized);
    expect(response.status).toEqual(200);
  });
});

describe("pushing through the server", () => {
  it("is refused with a 403 in every form, and the bare repository is unchanged", async () => {
    const before = await git(bare, "for-each-ref");
    const directory = join(root, "clone-push");
    await git(root, "clone", "--quiet", bare, directory);
    await commitFile(directory, "pushed.txt", "should not arrive\n");
    const push = execa("git", ["push", `${baseUrl}/origin.git`, "HEAD:refs/heads/pushed", "HEAD:main"], {
      cwd: directory,
      env: { ...gitEnvironment, ...gitHttpEnvironment(token) },
      extendEnv: false,
      reject: false,
    });
    const result = await push;
    expect(result.exitCode).not.toEqual(0);
    expect(result.stderr).toMatch(/403/);
    expect(await git(bare, "for-each-ref")).toEqual(before);

    const advertisement = await rawRequest(
      "GET",
      "/git/origin.git/info/refs?service=git-receive-pack",
      authorized,
    );
    const pack = await rawRequest("POST", "/git/origin.git/git-receive-pack", {
      ...authorized,
      "Content-Type": "application/x-git-receive-pack-request",
    });
    expect([advertisement.status, pack.status]).toEqual([403, 403]);
  });
});

describe("fetching through the server", () => {
  it("fetches a branch the bare repository got after the clone", async () => {
    const directory = join(root, "clone-fetch");
    await cloneServedRepository({
      url: `${baseUrl}/origin.git`,
      token,
      directory,
      environment: gitEnvironment,
    });

    await git(work, "switch", "--quiet", "-c", "feature");
    const featureCommit = await commitFile(work, "feature.txt", "new\n");
    await git(work, "push", "--quiet", bare, "feature");

    await fetchServed({
      url: `${baseUrl}/origin.git`,
      token,
      repository: directory,
      refspecs: ["refs/heads/feature:refs/remotes/origin/feature"],
      environment: gitEnvironment,
    });
    expect(await git(directory, "rev-parse", "origin/feature")).toEqual(featureCommit);
  });

  it("fails with a typed error that names the operation and hides the token", async () => {
    const directory = join(root, "clone-fetch-fail");
    await cloneServedRepository({
      url: `${baseUrl}/origin.git`,
      token,
      directory,
      environment: gitEnvironment,
    });
    const error = await cloneFailure(
      fetchServed({
        url: `${baseUrl}/origin.git`,
        token: "another-wrong-token",
        repository: directory,
        refspecs: ["refs/heads/main"],
        environment: gitEnvironment,
      }),
    );
    expect([error.operation, error.failure]).toEqual(["fetch", "unauthorized"]);
    expect(error.message).not.toContain("another-wrong-token");
  });
});

describe("the token", () => {
  it("never appears in the argv git runs with", () => {
    const clone = cloneArguments({ url: `${baseUrl}/origin.git`, directory: "/tmp/x", branch: "main" });
    const fetch = fetchArguments({ url: `${baseUrl}/origin.git`, refspecs: ["refs/heads/main"] });
    expect(clone).toEqual([
      "clone",
      "--no-checkout",
      "--quiet",
      "--branch",
      "main",
      "--",
      `${baseUrl}/origin.git`,
      "/tmp/x",
    ]);
    expect(fetch).toEqual(["fetch", "--quiet", "--", `${baseUrl}/origin.git`, "refs/heads/main"]);
    expect([...clone, ...fetch].join(" ")).not.toContain(token);
  });

  it("travels as an extra header set through the environment", () => {
    expect(gitHttpEnvironment(token)).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Bearer ${token}`,
      GIT_TERMINAL_PROMPT: "0",
    });
  });
});

describe("classifyGitFailure", () => {
  it("reads git's messages for 401, 404 and 403", () => {
    expect(
      [
        "fatal: could not read Username for 'http://host': terminal prompts disabled",
        "fatal: Authentication failed for 'http://host/git/origin.git/'",
        "remote: No such repository.\nfatal: repository 'http://host/git/x.git/' not found",
        "fatal: unable to access 'http://host/git/origin.git/': The requested URL returned error: 403",
        "fatal: unable to access 'http://host/': Failed to connect to host port 80: Connection refused",
      ].map(classifyGitFailure),
    ).toEqual(["unauthorized", "unauthorized", "not-found", "forbidden", "other"]);
  });
});

describe("parseCgiHeaders", () => {
  it("turns Status into the status code and passes the other headers through", () => {
    expect(
      parseCgiHeaders("Status: 404 Not Found\r\nContent-Type: text/plain\r\nCache-Control: no-cache"),
    ).toEqual({ status: 404, headers: { "Content-Type": "text/plain", "Cache-Control": "no-cache" } });
    expect(parseCgiHeaders("Content-Type: application/x-git-upload-pack-advertisement")).toEqual({
      status: 200,
      headers: { "Content-Type": "application/x-git-upload-pack-advertisement" },
    });
  });
});
