/**
 * The HTTP side of the GitHub fake: routes by GitHub's own path templates, pages lists the way
 * GitHub does (per_page/page, a Link header pointing at /repositories/{id}/…), answers conditional
 * GETs with 304, sends GitHub's headers, records every exchange, and checks each request body and
 * response body against GitHub's OpenAPI description. A mismatch is recorded as a violation and
 * answered with a 500, so the test fails loudly at `assertHealthy()`.
 */
import { createHash } from "node:crypto";
import { HttpResponse, http } from "msw";
import { basicError } from "./github-objects.ts";
import { githubOpenApi } from "./github-openapi.ts";

export interface FakeRequest {
  method: string;
  url: URL;
  params: Record<string, string>;
  body: unknown;
  headers: Headers;
}

export interface FakeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Do what the request asks, then drop the connection: the client never sees the answer. */
  isLost?: boolean;
}

export interface Route {
  method: string;
  /** The path as GitHub's OpenAPI description names it, e.g. /repos/{owner}/{repo}/pulls/{pull_number}. */
  template: string;
  handle(request: FakeRequest): FakeResponse;
}

export interface RecordedExchange {
  method: string;
  url: string;
  /** The template the request matched, or null when the fake has no route for it. */
  template: string | null;
  authorization: string | null;
  ifNoneMatch: string | null;
  body: unknown;
  status: number;
  /** When the fake answered, on its clock. */
  atMs: number;
}

export interface Interception {
  method: string;
  /** Matched against the path after the API prefix, e.g. /repos/acme/widget/pulls. */
  path: RegExp;
  /** Left undefined: let the route run, then lose its answer. */
  response?: FakeResponse;
  times: number;
}

const numericParameters = new Set(["pull_number", "issue_number", "comment_id"]);

function templatePattern(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template.replace(/\{([a-z_]+)\}/g, (_match, name: string) => {
    names.push(name);
    return numericParameters.has(name) ? "(\\d+)" : "([^/]+)";
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

/** A GraphQL request as GitHub receives it at `/graphql` (GitHub Enterprise: `/api/graphql`). */
export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** GitHub's GraphQL envelope: 200 with `data`, and `errors` when a field or mutation was refused. */
export interface GraphqlResponse {
  data: Record<string, unknown> | null;
  errors?: {
    type?: string;
    path?: (string | number)[];
    locations?: { line: number; column: number }[];
    message: string;
  }[];
}

export interface GithubHttpOptions {
  apiUrl: string;
  token: string;
  repositoryId: number;
  owner: string;
  repo: string;
  routes: Route[];
  /** Answers POST /graphql; without it the fake has no GraphQL API. */
  graphql?: (request: GraphqlRequest) => GraphqlResponse;
  now: () => number;
}

export function createGithubHttp(options: GithubHttpOptions) {
  const openApi = githubOpenApi();
  const apiPath = new URL(options.apiUrl).pathname.replace(/\/$/, "");
  // Octokit's rule: https://HOST/api/v3 serves GraphQL at https://HOST/api/graphql.
  const graphqlPath = /\/api\/v3$/.test(apiPath)
    ? apiPath.replace(/\/v3$/, "/graphql")
    : `${apiPath}/graphql`;
  const apiOrigin = new URL(options.apiUrl).origin;
  const compiled = options.routes.map((route) => ({ route, ...templatePattern(route.template) }));
  const exchanges: RecordedExchange[] = [];
  const violations: string[] = [];
  const interceptions: Interception[] = [];
  let requestCounter = 0;

  function commonHeaders(): Record<string, string> {
    requestCounter += 1;
    return {
      "content-type": "application/json; charset=utf-8",
      "x-github-api-version-selected": "2022-11-28",
      "x-github-media-type": "github.v3; format=json",
      "x-github-request-id": `F00D:${requestCounter.toString(16).toUpperCase()}:1A2B3C:4D5E6F:66A1B2C3`,
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(5000 - requestCounter),
      "x-ratelimit-reset": String(Math.floor(options.now() / 1000) + 3600),
      "x-ratelimit-used": String(requestCounter),
      "x-ratelimit-resource": "core",
    };
  }

  function route(method: string, path: string) {
    // GitHub's Link headers address the repository by id; both spellings are the same resource.
    const normalized = path.replace(
      new RegExp(`^/repositories/${options.repositoryId}(?=/|$)`),
      `/repos/${options.owner}/${options.repo}`,
    );
    for (const entry of compiled) {
      if (entry.route.method !== method) continue;
      const match = entry.pattern.exec(normalized);
      if (!match) continue;
      const params: Record<string, string> = {};
      entry.names.forEach((name, index) => {
        params[name] = decodeURIComponent(match[index + 1] ?? "");
      });
      return { route: entry.route, params };
    }
    return null;
  }

  async function handle(request: Request): Promise<Response> {
    try {
      return await answer(request);
    } catch (error) {
      violations.push(`the fake failed on ${request.method} ${request.url}: ${String(error)}`);
      return HttpResponse.json(basicError(`the fake failed: ${String(error)}`, 500), { status: 500 });
    }
  }

  /** Whether `request` is for this fake's REST or GraphQL API (msw matches the whole origin). */
  function isForApi(request: Request): boolean {
    const { pathname } = new URL(request.url);
    return pathname === graphqlPath || pathname === apiPath || pathname.startsWith(`${apiPath}/`);
  }

  async function answerGraphql(request: Request): Promise<Response> {
    checkInvariants(request);
    const text = await request.text();
    const body = (text === "" ? null : JSON.parse(text)) as { query?: unknown; variables?: unknown } | null;
    const headers = { ...commonHeaders(), "x-ratelimit-resource": "graphql" };
    const record = (status: number) =>
      exchanges.push({
        method: "POST",
        url: request.url,
        template: "/graphql",
        authorization: request.headers.get("authorization"),
        ifNoneMatch: null,
        body,
        status,
        atMs: options.now(),
      });
    if (request.method.toUpperCase() !== "POST" || typeof body?.query !== "string") {
      violations.push(`GraphQL takes a POST with a query, got ${request.method} ${text.slice(0, 80)}`);
      record(400);
      return HttpResponse.json({ message: "Problems parsing JSON" }, { status: 400, headers });
    }
    if (!options.graphql) {
      violations.push("the fake has no GraphQL API, but the forge sent a GraphQL request");
      record(404);
      return HttpResponse.json(basicError("Not Found", 404), { status: 404, headers });
    }
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    const interception = interceptions.find(
      (candidate) => candidate.method === "POST" && candidate.path.test("/graphql") && candidate.times > 0,
    );
    if (interception) interception.times -= 1;
    if (interception?.response) {
      record(interception.response.status);
      return HttpResponse.json(interception.response.body as Record<string, unknown>, {
        status: interception.response.status,
        headers: { ...headers, ...interception.response.headers },
      });
    }
    const response = options.graphql({ query: body.query, variables });
    if (interception) {
      record(0);
      return HttpResponse.error();
    }
    record(200);
    return HttpResponse.json(response as unknown as Record<string, unknown>, { status: 200, headers });
  }

  async function answer(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === graphqlPath) return answerGraphql(request);
    const path = url.pathname.slice(apiPath.length);
    const method = request.method.toUpperCase();
    const text = method === "GET" || method === "HEAD" ? "" : await request.text();
    const body: unknown = text === "" ? null : JSON.parse(text);
    const record = (template: string | null, status: number) =>
      exchanges.push({
        method,
        url: request.url,
        template,
        authorization: request.headers.get("authorization"),
        ifNoneMatch: request.headers.get("if-none-match"),
        body,
        status,
        atMs: options.now(),
      });

    checkInvariants(request);
    const repositoryMatch = /^\/repos\/([^/]+)\/([^/]+)/.exec(path);
    const isOtherRepository =
      repositoryMatch !== null &&
      `${repositoryMatch[1]}/${repositoryMatch[2]}`.toLowerCase() !==
        `${options.owner}/${options.repo}`.toLowerCase();
    const found = route(method, path);
    if (!found) {
      violations.push(`the fake has no route for ${method} ${path}`);
      record(null, 404);
      return HttpResponse.json(basicError("Not Found", 404), { status: 404, headers: commonHeaders() });
    }
    const template = found.route.template;
    const requestProblem = body === null ? null : openApi.checkRequest(method, template, body);
    if (requestProblem) violations.push(`request ${method} ${template}: ${requestProblem}`);

    const interception = interceptions.find(
      (candidate) => candidate.method === method && candidate.path.test(path) && candidate.times > 0,
    );
    if (interception) interception.times -= 1;
    // GitHub answers 404, not 403, for a repository the token cannot see.
    let response =
      interception?.response ??
      (isOtherRepository
        ? { status: 404, body: basicError("Not Found", 404) }
        : found.route.handle({ method, url, params: found.params, body, headers: request.headers }));
    if (interception && !interception.response) response = { ...response, isLost: true };

    const headers = { ...commonHeaders(), ...response.headers };
    if (response.isLost) {
      record(template, 0);
      return HttpResponse.error();
    }
    const problem = openApi.checkResponse(method, template, response.status, response.body);
    if (problem) {
      violations.push(`response ${response.status} to ${method} ${template}: ${problem}`);
      record(template, 500);
      return HttpResponse.json(basicError(`fake drifted: ${problem}`, 500), { status: 500, headers });
    }
    if (method === "GET" && response.status === 200) {
      const etag = `W/"${createHash("sha256").update(JSON.stringify(response.body)).digest("hex").slice(0, 40)}"`;
      headers.etag = etag;
      if (request.headers.get("if-none-match") === etag) {
        record(template, 304);
        const { "content-type": _contentType, ...withoutType } = headers;
        return new HttpResponse(null, { status: 304, headers: withoutType });
      }
    }
    record(template, response.status);
    return response.body === null
      ? new HttpResponse(null, { status: response.status, headers })
      : HttpResponse.json(response.body as Record<string, unknown>, { status: response.status, headers });
  }

  function checkInvariants(request: Request): void {
    if (request.url.includes(options.token))
      violations.push(`the token is in a request URL: ${request.method}`);
    const authorization = request.headers.get("authorization");
    if (authorization !== `token ${options.token}` && authorization !== `Bearer ${options.token}`) {
      violations.push(`${request.method} ${new URL(request.url).pathname} was sent without the token`);
    }
  }

  return {
    // The whole origin: GitHub Enterprise's GraphQL endpoint lies outside the REST prefix.
    handler: http.all(`${apiOrigin}/*`, ({ request }) => (isForApi(request) ? handle(request) : undefined)),
    /** The same answers without msw, for a real server (github-loopback.ts) a child process can reach. */
    respond: handle,
    exchanges,
    violations,
    /** The next `times` requests matching method and path get `response`, or lose theirs. */
    intercept(interception: Omit<Interception, "times"> & { times?: number }): void {
      interceptions.push({ times: 1, ...interception });
    },
  };
}

/** One page of `items` as GitHub serves it, with the Link header that leads to the others. */
export function pageOf<T>(
  request: FakeRequest,
  items: readonly T[],
  linkBase: { apiUrl: string; repositoryId: number; owner: string; repo: string },
): { items: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(request.url.searchParams.get("per_page") ?? 30) || 30, 100);
  const page = Math.max(Number(request.url.searchParams.get("page") ?? 1) || 1, 1);
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const pageItems = items.slice((page - 1) * perPage, page * perPage);
  if (lastPage === 1) return { items: pageItems, headers: {} };

  const repositoryPath = `/repos/${linkBase.owner}/${linkBase.repo}`;
  const apiPrefix = new URL(linkBase.apiUrl).pathname.replace(/\/$/, "");
  const resourcePath = request.url.pathname
    .slice(apiPrefix.length)
    .replace(repositoryPath, "")
    .replace(`/repositories/${linkBase.repositoryId}`, "");
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams(request.url.searchParams);
    query.set("page", String(target));
    return `<${linkBase.apiUrl.replace(/\/$/, "")}/repositories/${linkBase.repositoryId}${resourcePath}?${query}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < lastPage) links.push(link(page + 1, "next"), link(lastPage, "last"));
  if (page > 1) links.push(link(1, "first"));
  return { items: pageItems, headers: { link: links.join(", ") } };
}
