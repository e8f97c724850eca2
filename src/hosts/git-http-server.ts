/**
 * The forge's bare origin served read-only over git's smart HTTP, for worker hosts to clone and
 * fetch: `git http-backend` run as a CGI per request, behind a bearer token. Pushing is refused in
 * every form: a host's commits reach the supervisor only as bundles it checks.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, dirname } from "node:path";

export interface GitHttpOptions {
  /** URL name (`origin.git`) → absolute path of a bare repository. */
  repositories: ReadonlyMap<string, string>;
  isAuthorized(authorizationHeader: string | undefined): boolean;
  /** The URL folder repositories are served under, e.g. `/git/`. */
  pathPrefix: string;
}

/** Handles a request under `pathPrefix` and returns true; returns false for any other URL. */
export function handleGitHttp(
  request: IncomingMessage,
  response: ServerResponse,
  options: GitHttpOptions,
): boolean {
  const url = new URL(request.url ?? "/", "http://supervise.invalid");
  if (!url.pathname.startsWith(options.pathPrefix)) return false;
  if (!options.isAuthorized(request.headers.authorization)) {
    response.writeHead(401, { "www-authenticate": 'Bearer realm="supervise"' }).end();
    return true;
  }
  const rest = url.pathname.slice(options.pathPrefix.length);
  const name = rest.split("/")[0] ?? "";
  const repository = options.repositories.get(name);
  const inside = rest.slice(name.length);
  if (repository === undefined || inside.split("/").includes("..")) {
    response.writeHead(404).end();
    return true;
  }
  if (url.searchParams.get("service") === "git-receive-pack" || inside.endsWith("/git-receive-pack")) {
    response.writeHead(403, { "content-type": "text/plain" }).end("pushing is not served here\n");
    return true;
  }
  runBackend(request, response, repository, inside, url.search.slice(1));
  return true;
}

function runBackend(
  request: IncomingMessage,
  response: ServerResponse,
  repository: string,
  inside: string,
  query: string,
): void {
  const environment: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: "/nonexistent",
    GIT_PROJECT_ROOT: dirname(repository),
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${basename(repository)}${inside}`,
    QUERY_STRING: query,
    REQUEST_METHOD: request.method ?? "GET",
    REMOTE_ADDR: request.socket.remoteAddress ?? "",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  const contentType = request.headers["content-type"];
  if (contentType) environment.CONTENT_TYPE = contentType;
  const contentLength = request.headers["content-length"];
  if (contentLength) environment.CONTENT_LENGTH = contentLength;
  const encoding = request.headers["content-encoding"];
  if (encoding) environment.HTTP_CONTENT_ENCODING = encoding;
  const protocol = request.headers["git-protocol"];
  if (typeof protocol === "string") environment.GIT_PROTOCOL = protocol;
  const backend = spawn("git", ["http-backend"], { env: environment, stdio: ["pipe", "pipe", "ignore"] });
  request.pipe(backend.stdin);
  backend.stdin.on("error", () => {});
  response.on("close", () => {
    if (backend.exitCode === null) backend.kill("SIGKILL");
  });
  let head = Buffer.alloc(0);
  let isHeadDone = false;
  backend.stdout.on("data", (chunk: Buffer) => {
    if (isHeadDone) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    isHeadDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon === -1) continue;
      const field = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (field.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
      else headers[field] = value;
    }
    response.writeHead(status, headers);
    response.write(head.subarray(end + 4));
  });
  backend.stdout.on("end", () => {
    if (!isHeadDone) response.writeHead(502).end();
    else response.end();
  });
  backend.on("error", () => {
    if (!response.headersSent) response.writeHead(500);
    response.end();
  });
}
