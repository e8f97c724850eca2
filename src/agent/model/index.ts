// Owns: the model worker: the Anthropic tool-use loop, with its limits checked before each call and its context kept within the window; an entry of its own, so that a plan of command workers never loads the SDK.
// Must never: start a turn past the workstream's budget, or send a request that leaves a tool call unanswered.
export { createModelWorkerLauncher } from "./model-worker.ts";
