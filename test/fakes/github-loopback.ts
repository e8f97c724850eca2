/**
 * The GitHub API fake (github-api.ts) behind a real loopback HTTP server, for a child process
 * msw cannot reach (the `supervise` CLI in an end-to-end test). Each incoming request becomes a
 * WHATWG `Request`, answered by the same handler msw uses; a "lost" answer drops the connection.
 * `beforeRequest` runs first, so the fake can catch up with the world (pushes to a bare remote).
 */
import { execFileSync } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Responder = (request: Request) => Promise<Response>;

export interface GithubLoopback {
  /** http://127.0.0.1:PORT, a bare API root as GITHUB_API_URL. */
  readonly url: string;
  /** Set once the fake exists: its API URL is this server's, known only after listening. */
  serve(responder: Responder, beforeRequest?: () => void): void;
  close(): Promise<void>;
}

export async function startGithubLoopback(): Promise<GithubLoopback> {
  let responder: Responder | null = null;
  let beforeRequest: (() => void) | undefined;

  async function answer(incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value === undefined) continue;
      for (const each of Array.isArray(value) ? value : [value]) headers.append(name, each);
    }
    const method = incoming.method ?? "GET";
    const request = new Request(`${url}${incoming.url ?? "/"}`, {
      method,
      headers,
      ...(method === "GET" || method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
    });
    if (!responder) throw new Error("the loopback server got a request before it was given a fake");
    beforeRequest?.();
    const response = await responder(request);
    if (response.type === "error") {
      incoming.socket.destroy();
      return;
    }
    const body = Buffer.from(await response.arrayBuffer());
    outgoing.writeHead(response.status, Object.fromEntries(response.headers));
    outgoing.end(body);
  }

  const server = createServer((incoming, outgoing) => {
    answer(incoming, outgoing).catch((error: unknown) => {
      outgoing.writeHead(500, { "content-type": "text/plain" });
      outgoing.end(`the loopback fake failed: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    serve(given, hook) {
      responder = given;
      beforeRequest = hook;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** The part of the fake a push changes: its branches and the commits they point at. */
export interface PushTarget {
  branches: Map<string, string>;
  knowsCommit(sha: string): boolean;
  recordCommit(input: { sha: string; parents: string[]; message: string }): void;
}

/**
 * Keeps the fake's branches in step with a bare git remote, as GitHub's API reflects a push:
 * a branch whose SHA moved in the remote since the last look is set in the fake, with its real
 * commits and parents. A branch the fake moved itself (the base after a merge) is left alone,
 * because the remote never sees that move. `onPush` tells the test of each new head.
 */
export function createBareRemoteSync(options: {
  bareRepository: string;
  fake: PushTarget;
  onPush?: (branch: string, sha: string) => void;
}): () => void {
  const seen = new Map<string, string>();
  const git = (args: string[]) =>
    execFileSync("git", args, { cwd: options.bareRepository, encoding: "utf8" }).trim();
  return () => {
    const refs = git(["for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads"]);
    for (const line of refs.split("\n").filter(Boolean)) {
      const [branch = "", sha = ""] = line.split(" ");
      if (seen.get(branch) === sha) continue;
      seen.set(branch, sha);
      // Oldest first, so every parent is known before its child.
      const history = git(["rev-list", "--reverse", "--parents", sha]);
      for (const entry of history.split("\n").filter(Boolean)) {
        const [commit = "", ...parents] = entry.split(" ");
        if (options.fake.knowsCommit(commit)) continue;
        options.fake.recordCommit({
          sha: commit,
          parents,
          message: git(["log", "-1", "--format=%s", commit]),
        });
      }
      options.fake.branches.set(branch, sha);
      options.onPush?.(branch, sha);
    }
  };
}
