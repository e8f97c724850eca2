/** The worker side of the bridge: one tool call to the supervisor over its unix socket. */
import { request } from "node:http";
import type { ToolResult } from "../tools/tool-definition.ts";

export interface BridgeAddress {
  socketPath: string;
  token: string;
}

export function callSupervisorTool(
  address: BridgeAddress,
  tool: string,
  input: unknown,
): Promise<ToolResult> {
  const body = JSON.stringify(input ?? {});
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        socketPath: address.socketPath,
        path: `/tools/${encodeURIComponent(tool)}`,
        method: "POST",
        headers: {
          authorization: `Bearer ${address.token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          try {
            resolve(JSON.parse(text) as ToolResult);
          } catch {
            reject(
              new Error(
                `the supervisor answered ${response.statusCode} with something that is not a tool result`,
              ),
            );
          }
        });
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
