/**
 * How a CLI agent reaches its model: through the run's model gateway, with a token for its
 * workstream in place of a key. One gateway serves every workstream, so its traffic hooks are
 * dispatched here to whichever worker start holds the workstream now: that start's usage, activity,
 * transcript and budget. No start, no traffic: a request for a workstream nobody holds is refused.
 */
import type { GatewayUsage, ModelExchange, ModelGatewayOptions, UpstreamFailure } from "../gateway/index.ts";
import { renderPrompt } from "../prompts/index.ts";

/** What one worker start does with its model traffic. */
export interface StartModelHandlers {
  onUsage(usage: GatewayUsage): void;
  onActivity(): void;
  onExchange(exchange: ModelExchange): void;
  onUpstreamFailure(failure: UpstreamFailure): void;
  /** True once the start's budget is spent (its signal aborted): requests are then refused. */
  isStopped(): boolean;
}

export type GatewayHooks = Required<
  Pick<ModelGatewayOptions, "onUsage" | "onActivity" | "onExchange" | "onUpstreamFailure" | "beforeRequest">
>;

export interface GatewayDispatch {
  hooks: GatewayHooks;
  /** The start's handlers take the workstream's traffic until the returned function is called. */
  register(workstreamId: string, handlers: StartModelHandlers): () => void;
}

export function createGatewayDispatch(): GatewayDispatch {
  const holders = new Map<string, StartModelHandlers>();
  return {
    hooks: {
      onUsage: (workstreamId, usage) => holders.get(workstreamId)?.onUsage(usage),
      onActivity: (workstreamId) => holders.get(workstreamId)?.onActivity(),
      onExchange: (workstreamId, exchange) => holders.get(workstreamId)?.onExchange(exchange),
      onUpstreamFailure: (workstreamId, failure) => holders.get(workstreamId)?.onUpstreamFailure(failure),
      beforeRequest: (workstreamId) => {
        const holder = holders.get(workstreamId);
        if (holder && !holder.isStopped()) return { allowed: true };
        return {
          allowed: false,
          message: renderPrompt("gateway-budget-spent", { workstream: workstreamId }),
        };
      },
    },
    register(workstreamId, handlers) {
      holders.set(workstreamId, handlers);
      return () => {
        if (holders.get(workstreamId) === handlers) holders.delete(workstreamId);
      };
    },
  };
}
