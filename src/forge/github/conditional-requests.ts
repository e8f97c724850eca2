/**
 * Conditional GETs, so polling costs nothing: GitHub answers `If-None-Match` with 304 when nothing
 * changed, and a 304 does not count against the rate limit. This sits at the transport, below
 * Octokit: a 304 comes back to Octokit as the cached 200 (body, and headers refreshed from the
 * 304), so every reader and every page of a paginated list reuses its cached body without knowing.
 * Octokit alone would throw a RequestError with status 304 for each one.
 */

type Fetch = typeof fetch;

interface CachedResponse {
  etag: string;
  body: string;
  headers: [string, string][];
  url: string;
}

/** Enough for every page the forge polls; least recently used entries go first. */
const defaultMaxEntries = 200;

export function withConditionalRequests(fetchImplementation: Fetch, maxEntries = defaultMaxEntries): Fetch {
  const cache = new Map<string, CachedResponse>();

  function remember(key: string, entry: CachedResponse): void {
    cache.delete(key);
    cache.set(key, entry);
    if (cache.size > maxEntries) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
  }

  return async (input, init) => {
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    if (method !== "GET") return fetchImplementation(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    // ETags depend on the representation, so the media type is part of the key.
    const key = `${url}\n${headers.get("accept") ?? ""}`;
    const cached = cache.get(key);
    if (cached && !headers.has("if-none-match")) headers.set("if-none-match", cached.etag);
    const response = await fetchImplementation(input, { ...init, headers });

    if (response.status === 304 && cached) {
      remember(key, cached);
      const refreshed = new Headers(cached.headers);
      for (const [name, value] of response.headers) {
        if (!uncachedHeaders.has(name)) refreshed.set(name, value);
      }
      return cachedResponse(cached, refreshed);
    }
    const etag = response.headers.get("etag");
    if (response.status === 200 && etag) {
      const body = await response.clone().text();
      const kept = [...response.headers].filter(([name]) => !uncachedHeaders.has(name));
      remember(key, { etag, body, headers: kept, url: response.url || url });
    }
    return response;
  };
}

/**
 * Not stored with a cached body: the body is kept decoded, so the wire encoding headers would lie,
 * and a retry-after speaks for the moment it was sent, not for every later 304.
 */
const uncachedHeaders = new Set(["content-encoding", "content-length", "transfer-encoding", "retry-after"]);

function cachedResponse(cached: CachedResponse, headers: Headers): Response {
  const response = new Response(cached.body, { status: 200, statusText: "OK", headers });
  // Octokit reports `response.url`; a constructed Response has none of its own.
  Object.defineProperty(response, "url", { value: cached.url });
  return response;
}
