import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type EscalationNotice, postEscalationNotice } from "../../src/monitor/webhook.ts";

const notice: EscalationNotice = {
  type: "escalation.opened",
  run: "r1",
  workstream: "ws1",
  escalation: "ws1-1",
  question: "May I drop the endpoint?",
  commands: {
    approve: "supervise approve ws1-1",
    deny: "supervise deny ws1-1",
    reply: 'supervise reply ws1-1 "…"',
  },
};

let server: Server | undefined;
afterEach(() => server?.close());

/** A real loopback receiver that answers with the given statuses, in order, and records the bodies. */
async function receiver(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      bodies.push(JSON.parse(body));
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies };
}

describe("postEscalationNotice", () => {
  it("posts the notice as JSON, retrying a server error", async () => {
    const hook = await receiver([502, 200]);
    expect(await postEscalationNotice(notice, { url: hook.url, backoffMs: 1 })).toEqual({
      isDelivered: true,
      attempts: 2,
    });
    expect(hook.bodies).toEqual([notice, notice]);
  });

  it("gives up on a client error at once, and never throws", async () => {
    const hook = await receiver([404]);
    expect(await postEscalationNotice(notice, { url: hook.url, backoffMs: 1 })).toEqual({
      isDelivered: false,
      attempts: 3,
      error: "HTTP 404",
    });
    expect(hook.bodies).toHaveLength(1);
    const unreachable = await postEscalationNotice(notice, {
      url: "http://127.0.0.1:1/hook",
      backoffMs: 1,
      attempts: 2,
    });
    expect(unreachable).toMatchObject({ isDelivered: false, attempts: 2 });
  });
});
