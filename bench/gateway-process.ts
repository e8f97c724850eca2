/**
 * The model gateway alone in a process, as the supervisor hosts it, so bench/gateway.ts measures
 * its memory apart from the fake upstream and the clients. Started with the upstream's URL and a
 * workstream count; answers over IPC with its origin and one token per workstream, then with its
 * memory (after a GC when asked: the idle baseline), its CPU time and the turns it recorded.
 */

import { systemClock } from "../src/clock.ts";
import { startModelGateway } from "../src/gateway/index.ts";
import { bundledPriceFile, loadPriceTable } from "../src/model/index.ts";

export type GatewayProcessRequest = { kind: "memory"; isCollected: boolean } | { kind: "close" };

export type GatewayProcessAnswer =
  | { kind: "started"; origin: string; tokens: string[] }
  | {
      kind: "memory";
      rssBytes: number;
      heapUsedBytes: number;
      /** User and system CPU time of this process so far. */
      cpuMicroseconds: number;
      turns: number;
      internalErrors: number;
    };

const [upstreamUrl, workstreamCount] = process.argv.slice(2);
if (upstreamUrl === undefined || workstreamCount === undefined || process.send === undefined) {
  throw new Error("usage: node bench/gateway-process.ts UPSTREAM_URL WORKSTREAMS (as an IPC child)");
}
const send = (answer: GatewayProcessAnswer) => process.send?.(answer);
let turns = 0;
let internalErrors = 0;
const gateway = await startModelGateway({
  upstreams: {
    anthropic: { baseUrl: upstreamUrl, apiKey: "sk-ant-bench-key", keyName: "ANTHROPIC_API_KEY" },
  },
  pricing: loadPriceTable(bundledPriceFile()),
  clock: systemClock,
  // What the run's hooks would do at least: look at each exchange and add up usage.
  onExchange: () => {},
  onUsage: (_workstreamId, usage) => {
    turns += usage.turns;
  },
  onActivity: () => {},
  onInternalError: () => {
    internalErrors++;
  },
});
const tokens = Array.from(
  { length: Number(workstreamCount) },
  (_, index) => gateway.grant(`ws-${index}`).token,
);
send({ kind: "started", origin: gateway.origin, tokens });

process.on("message", (request: GatewayProcessRequest) => {
  if (request.kind === "close") {
    void gateway.close().then(() => process.disconnect());
    return;
  }
  if (request.isCollected) (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  send({
    kind: "memory",
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    cpuMicroseconds: cpu.user + cpu.system,
    turns,
    internalErrors,
  });
});
