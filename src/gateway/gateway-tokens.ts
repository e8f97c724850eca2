/**
 * Per-workstream gateway tokens: random capabilities that stand in for the real key inside a
 * sandbox. A token is valid only at this gateway (upstream it means nothing), only for the
 * workstream it was granted to, and only until it is revoked or the gateway closes.
 *
 * Tokens are kept by their SHA-256 digest. Looking a digest up in a map leaks nothing usable by
 * timing (a caller cannot steer which digest bytes match), and the final comparison is
 * `timingSafeEqual`, so no early exit reveals how much of a guessed token was right.
 */
import { hash, randomBytes, timingSafeEqual } from "node:crypto";

/** Says what the value is to anyone who finds one in a log: not a provider key. */
export const gatewayTokenPrefix = "supervise-gateway-";

export interface GatewayTokens {
  /** A new token for the workstream; any token it held before stops working. */
  grant(workstreamId: string): string;
  revoke(workstreamId: string): void;
  revokeAll(): void;
  /** The workstream a presented token belongs to, or undefined for an unknown or revoked one. */
  workstreamOf(presented: string): string | undefined;
}

interface Grant {
  workstreamId: string;
  digest: Buffer;
}

export function createGatewayTokens(random: (size: number) => Buffer = randomBytes): GatewayTokens {
  const grantsByDigest = new Map<string, Grant>();
  const digestByWorkstream = new Map<string, string>();

  const revoke = (workstreamId: string) => {
    const digest = digestByWorkstream.get(workstreamId);
    if (digest === undefined) return;
    grantsByDigest.delete(digest);
    digestByWorkstream.delete(workstreamId);
  };

  return {
    grant(workstreamId) {
      revoke(workstreamId);
      const token = `${gatewayTokenPrefix}${random(32).toString("base64url")}`;
      const digest = digestOf(token);
      const key = digest.toString("hex");
      grantsByDigest.set(key, { workstreamId, digest });
      digestByWorkstream.set(workstreamId, key);
      return token;
    },
    revoke,
    revokeAll() {
      grantsByDigest.clear();
      digestByWorkstream.clear();
    },
    workstreamOf(presented) {
      const digest = digestOf(presented);
      const grant = grantsByDigest.get(digest.toString("hex"));
      if (grant === undefined || !timingSafeEqual(grant.digest, digest)) return undefined;
      return grant.workstreamId;
    },
  };
}

function digestOf(token: string): Buffer {
  return hash("sha256", token, "buffer");
}

/**
 * The credentials a request presents, in every header the CLIs use: `x-api-key` (Claude Code),
 * `Authorization: Bearer` (the Anthropic SDK, Codex, the OpenAI SDK) and `api-key` (Azure-style
 * OpenAI clients). Each is tried; one that a live grant knows is enough.
 */
export function presentedCredentials(headers: {
  "x-api-key"?: string | string[] | undefined;
  authorization?: string | undefined;
  "api-key"?: string | string[] | undefined;
}): string[] {
  const credentials: string[] = [];
  const add = (value: string | string[] | undefined) => {
    for (const each of Array.isArray(value) ? value : value === undefined ? [] : [value]) {
      if (each.trim() !== "") credentials.push(each.trim());
    }
  };
  add(headers["x-api-key"]);
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? "");
  if (bearer) add(bearer[1]);
  add(headers["api-key"]);
  return credentials;
}
