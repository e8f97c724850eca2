/**
 * GitHub's GraphQL API, for what REST does not offer: merge queues. Octokit sends the query to
 * `/graphql` (GitHub Enterprise: `/api/graphql`) with the same token, retries and throttling.
 * GitHub answers 200 with an `errors` list for a refused operation; that is an answer, returned
 * as data here, while a failed request is an error.
 */
import type { GithubClient } from "./github-client.ts";
import { describeRequestFailure } from "./github-forge-error.ts";

export interface GraphqlError {
  message: string;
  /** GitHub's classification, e.g. NOT_FOUND, UNPROCESSABLE, FORBIDDEN. */
  type?: string;
  path?: (string | number)[];
}

export type GraphqlAnswer<Data> =
  | { data: Data; errors: [] }
  | { data: Partial<Data> | null; errors: GraphqlError[] };

/** Octokit's GraphqlResponseError, read by its fields. */
function isGraphqlResponseError(error: unknown): error is Error & { errors: GraphqlError[]; data: unknown } {
  return (
    error instanceof Error &&
    error.name === "GraphqlResponseError" &&
    Array.isArray((error as { errors?: unknown }).errors)
  );
}

export async function graphql<Data>(
  client: GithubClient,
  query: string,
  variables: Record<string, unknown>,
  action: string,
): Promise<GraphqlAnswer<Data>> {
  try {
    const data = await client.graphql<Data>(query, variables);
    return { data, errors: [] };
  } catch (error) {
    if (isGraphqlResponseError(error)) {
      return { data: (error.data ?? null) as Partial<Data> | null, errors: error.errors };
    }
    throw describeRequestFailure(error, action);
  }
}

export function graphqlMessages(errors: readonly GraphqlError[]): string {
  return errors.map((error) => error.message).join("; ");
}
