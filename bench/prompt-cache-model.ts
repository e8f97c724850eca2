/**
 * Which part of each Messages API request the prompt cache can serve, computed from the requests
 * alone, as the API documents prompt caching: the cached prefix runs in the order tools, system,
 * messages; a `cache_control` breakpoint writes the prefix that ends at its block; a later request
 * reads the longest prefix ending at a written breakpoint, found by looking back at most 20 blocks
 * from one of its own breakpoints. Sizes are the blocks' JSON bytes, a stand-in for tokens (the
 * share is a ratio, and both grow together). Markers themselves are not part of the content.
 */
import { createHash } from "node:crypto";

export interface CacheableRequest {
  tools?: readonly Record<string, unknown>[];
  system?: string | readonly Record<string, unknown>[];
  messages: readonly { role: string; content: string | readonly Record<string, unknown>[] }[];
}

export interface RequestCacheUse {
  totalBytes: number;
  /** Served from a prefix an earlier request wrote. */
  readBytes: number;
}

/** How far before a breakpoint the API looks for an earlier cache entry. */
const lookbackBlocks = 20;

interface Block {
  key: string;
  isBreakpoint: boolean;
}

function blocksOf(request: CacheableRequest): Block[] {
  const block = (prefix: string, value: Record<string, unknown>): Block => {
    const { cache_control: marker, ...content } = value;
    return { key: `${prefix}${JSON.stringify(content)}`, isBreakpoint: marker !== undefined };
  };
  const system =
    typeof request.system === "string" ? [{ type: "text", text: request.system }] : (request.system ?? []);
  return [
    ...(request.tools ?? []).map((tool) => block("tool:", tool)),
    ...system.map((part) => block("system:", part)),
    ...request.messages.flatMap((message, index) => {
      const content =
        typeof message.content === "string" ? [{ type: "text", text: message.content }] : message.content;
      // The message index and role are part of a block's identity: the same text elsewhere is another prefix.
      return content.map((part) => block(`${index}:${message.role}:`, part));
    }),
  ];
}

/** Replays the requests in order against one cache; returns what each one could read from it. */
export function simulatePromptCache(requests: readonly CacheableRequest[]): RequestCacheUse[] {
  const written = new Set<string>();
  return requests.map((request) => {
    const blocks = blocksOf(request);
    const prefixHashes: string[] = [];
    const prefixBytes: number[] = [];
    let hash = "";
    let bytes = 0;
    for (const block of blocks) {
      hash = createHash("sha256").update(hash).update(block.key).digest("hex");
      bytes += Buffer.byteLength(block.key);
      prefixHashes.push(hash);
      prefixBytes.push(bytes);
    }
    const breakpoints = blocks.flatMap((block, index) => (block.isBreakpoint ? [index] : []));
    let readBytes = 0;
    for (const breakpoint of breakpoints) {
      for (let index = breakpoint; index >= Math.max(0, breakpoint - lookbackBlocks); index--) {
        if (written.has(prefixHashes[index]!)) {
          readBytes = Math.max(readBytes, prefixBytes[index]!);
          break;
        }
      }
    }
    for (const breakpoint of breakpoints) written.add(prefixHashes[breakpoint]!);
    return { totalBytes: bytes, readBytes };
  });
}

/** Cache-read input over all input, across the requests. */
export function cachedInputShare(uses: readonly RequestCacheUse[]): number {
  const total = uses.reduce((sum, use) => sum + use.totalBytes, 0);
  const read = uses.reduce((sum, use) => sum + use.readBytes, 0);
  return total === 0 ? 0 : read / total;
}
