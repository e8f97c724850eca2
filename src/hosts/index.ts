// Owns: worker hosts — the BullMQ placement of remote workstreams and the supervisor's endpoint for them (channels, git over smart HTTP, relayed tool and model sockets), and `supervise host`, which makes each workstream's checkout on its machine, runs its commands and observes its checkout gates there.
// Must never: decide a verdict, write the journal or talk to the forge from a host; hand a host a credential of the supervisor's (its per-workstream token opens that workstream's channel and the served repository, nothing else).
export { Channel, ChannelCallError } from "./channel.ts";
export { connectChannel } from "./host-connection.ts";
export {
  HostPlacement,
  type HostPlacementOptions,
  PlacementFailedError,
} from "./host-placement.ts";
export { type HostOptions, runHost } from "./host-process.ts";
export { queueNameFor, queueNamesForHost } from "./host-protocol.ts";
export type { HostWorkstreamResources, WorkstreamRelays } from "./host-workstream.ts";
