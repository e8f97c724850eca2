/**
 * Read-only git smart HTTP for worker hosts: owns the route from a URL under a path prefix to
 * `git http-backend` run as a CGI over one named bare repository. It never serves a push, never a
 * path outside the repositories it was given, and never hands the child the supervisor's environment.
 *
 * Only the smart upload-pack service is served (`info/refs?service=git-upload-pack` and
 * `POST …/git-upload-pack`): no dumb-protocol files, so nothing is read from the repository but
 * through upload-pack. The repositories' own config applies (http-backend takes no `-c`), so a client
 * can fetch only what is reachable from refs: fetch a branch or tag, never a bare commit id.
 */
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";
import { basename, dirname } from "node:path";

export interface GitHttpOptions {
  /** URL name (e.g. `origin.git`) to the absolute path of a bare repository; the name need not be its dir name. */
  repositories: ReadonlyMap<string, string>;
  isAuthorized(authorizationHeader: string | undefined): boolean;
  /** Where served URLs start, with slashes on both sides, e.g. `/git/`. */
  pathPrefix: string;
  /** The PATH the git child runs with; the composition root passes its own. */
  searchPath?: string;
}

const defaultSearchPath = "/usr/local/bin:/usr/bin:/bin";
/** A home that does not exist, so no user's git config or credentials reach the child. */
const absentHome = "/nonexistent";

/** What a request under the prefix asks for, decided before any process runs. */
export type GitHttpRoute =
  | { kind: "serve"; repositoryPath: string; service: "info/refs" | "git-upload-pack" }
  | { kind: "refuse"; status: 401 | 403 | 404 | 405; message: string };

/** Returns false when the URL is not under `pathPrefix`, so the caller can route it elsewhere. */
export function handleGitHttp(
  request: IncomingMessage,
  response: ServerResponse,
  options: GitHttpOptions,
): boolean {
  const target = request.url ?? "/";
  // The raw path, not URL's normalized one: `/git/../x` is a traversal to refuse, not a path elsewhere.
  const rawPath = target.split("?", 1)[0]!;
  if (!rawPath.startsWith(options.pathPrefix)) return false;
  const url = new URL(target, "http://served.invalid");
  const route = routeGitHttp({
    method: request.method ?? "GET",
    pathAfterPrefix: rawPath.slice(options.pathPrefix.length),
    service: url.searchParams.get("service"),
    isAuthorized: options.isAuthorized(request.headers.authorization),
    repositories: options.repositories,
  });
  if (route.kind === "refuse") {
    const headers: Record<string, string> = { "Content-Type": "text/plain; charset=utf-8" };
    if (route.status === 401) headers["WWW-Authenticate"] = "Bearer";
    response.writeHead(route.status, headers).end(`${route.message}\n`);
    return true;
  }
  runHttpBackend(request, response, {
    repositoryPath: route.repositoryPath,
    pathInfoTail: route.service,
    queryString: url.search.slice(1),
    searchPath: options.searchPath ?? defaultSearchPath,
  });
  return true;
}

/**
 * The pure decision. Authorization comes first so that an unauthorized client learns nothing,
 * not even which repository names exist.
 */
export function routeGitHttp(input: {
  method: string;
  /** Still percent-encoded, as it came in the URL. */
  pathAfterPrefix: string;
  service: string | null;
  isAuthorized: boolean;
  repositories: ReadonlyMap<string, string>;
}): GitHttpRoute {
  if (!input.isAuthorized) {
    return { kind: "refuse", status: 401, message: "A bearer token is required." };
  }
  const isPush =
    input.service === "git-receive-pack" || /(?:^|\/|%2f)git-receive-pack$/i.test(input.pathAfterPrefix);
  if (isPush)
    return { kind: "refuse", status: 403, message: "This server is read-only: pushes are refused." };
  // Names are matched exactly and undecoded: an encoded slash or dot never reaches a path.
  const [name = "", ...rest] = input.pathAfterPrefix.split("/");
  const repositoryPath = input.repositories.get(name);
  if (repositoryPath === undefined || name === "." || name === "..") {
    return { kind: "refuse", status: 404, message: "No such repository." };
  }
  const tail = rest.join("/");
  if (tail === "info/refs") {
    if (input.service !== "git-upload-pack") {
      return { kind: "refuse", status: 404, message: "Only the smart git-upload-pack service is served." };
    }
    if (input.method !== "GET") return { kind: "refuse", status: 405, message: "info/refs takes GET." };
    return { kind: "serve", repositoryPath, service: "info/refs" };
  }
  if (tail === "git-upload-pack") {
    if (input.method !== "POST")
      return { kind: "refuse", status: 405, message: "git-upload-pack takes POST." };
    return { kind: "serve", repositoryPath, service: "git-upload-pack" };
  }
  return { kind: "refuse", status: 404, message: "Not a git smart HTTP path." };
}

/**
 * The CGI environment, built from nothing: the child sees PATH and an absent HOME, never the
 * supervisor's tokens or keys. GIT_PROJECT_ROOT is the repository's parent and PATH_INFO starts with
 * its real dir name, so any URL name can map to any path.
 */
export function httpBackendEnvironment(input: {
  repositoryPath: string;
  pathInfoTail: string;
  queryString: string;
  searchPath: string;
  method: string;
  headers: IncomingMessage["headers"];
  remoteAddress: string | undefined;
}): Record<string, string> {
  const environment: Record<string, string> = {
    PATH: input.searchPath,
    HOME: absentHome,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_PROJECT_ROOT: dirname(input.repositoryPath),
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${basename(input.repositoryPath)}/${input.pathInfoTail}`,
    QUERY_STRING: input.queryString,
    REQUEST_METHOD: input.method,
    REMOTE_ADDR: input.remoteAddress ?? "",
  };
  const { headers } = input;
  if (headers["content-type"] !== undefined) environment.CONTENT_TYPE = headers["content-type"];
  if (headers["content-length"] !== undefined) environment.CONTENT_LENGTH = headers["content-length"];
  const protocol = headers["git-protocol"];
  if (typeof protocol === "string") environment.HTTP_GIT_PROTOCOL = protocol;
  const encoding = headers["content-encoding"];
  // http-backend inflates a gzip body itself when told the encoding.
  if (encoding === "gzip" || encoding === "x-gzip") environment.HTTP_CONTENT_ENCODING = encoding;
  return environment;
}

function runHttpBackend(
  request: IncomingMessage,
  response: ServerResponse,
  input: { repositoryPath: string; pathInfoTail: string; queryString: string; searchPath: string },
): void {
  const child = spawn("git", ["http-backend"], {
    env: httpBackendEnvironment({
      ...input,
      method: request.method ?? "GET",
      headers: request.headers,
      remoteAddress: request.socket.remoteAddress,
    }),
    stdio: ["pipe", "pipe", "ignore"],
  });
  const failBeforeHeaders = (message: string): void => {
    if (response.writableEnded) return;
    if (response.headersSent) {
      response.destroy();
      return;
    }
    response.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(`${message}\n`);
  };
  child.on("error", (error) => failBeforeHeaders(`git http-backend could not start: ${error.message}`));
  // A client that hangs up must not leave upload-pack packing for nobody.
  response.on("close", () => {
    if (!response.writableFinished && child.exitCode === null) child.kill("SIGKILL");
  });
  // The child may exit before reading the whole body (a refused request); that is not our error.
  child.stdin.on("error", () => {});
  request.pipe(child.stdin);

  const cgi = parseCgiOutput(child.stdout, response);
  child.on("close", (code) => {
    if (!cgi.headersWritten())
      failBeforeHeaders(`git http-backend exited with code ${code} before answering.`);
  });
}

/** Reads CGI headers up to the blank line, writes them as the response's head, then streams the body. */
function parseCgiOutput(
  output: NodeJS.ReadableStream,
  response: ServerResponse,
): { headersWritten(): boolean } {
  let pending = Buffer.alloc(0);
  let isHeadWritten = false;
  output.on("data", (chunk: Buffer) => {
    if (isHeadWritten) {
      if (!response.write(chunk)) {
        output.pause();
        response.once("drain", () => output.resume());
      }
      return;
    }
    pending = Buffer.concat([pending, chunk]);
    const end = findHeaderEnd(pending);
    if (end === null) return;
    const { status, headers } = parseCgiHeaders(pending.subarray(0, end.headerLength).toString("latin1"));
    response.writeHead(status, headers);
    isHeadWritten = true;
    const body = pending.subarray(end.bodyStart);
    pending = Buffer.alloc(0);
    if (body.length > 0) response.write(body);
  });
  output.on("end", () => {
    if (isHeadWritten) response.end();
  });
  return { headersWritten: () => isHeadWritten };
}

function findHeaderEnd(buffer: Buffer): { headerLength: number; bodyStart: number } | null {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { headerLength: crlf, bodyStart: crlf + 4 };
  if (lf !== -1) return { headerLength: lf, bodyStart: lf + 2 };
  return null;
}

/** CGI header lines; `Status:` becomes the status code (RFC 3875 section 6.3.3), the rest pass through. */
export function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === "status") {
      const code = Number.parseInt(value, 10);
      if (code >= 100 && code <= 599) status = code;
    } else {
      headers[name] = value;
    }
  }
  return { status, headers };
}
