export { parseEvent } from "./parse.js";
export { handleClusterEvent, TransientEventError } from "./handle.js";
export type { EventDeps, EventOutcome, EventReader, EventStore } from "./handle.js";
export * from "./types.js";
export { eventDeps, eventRuntime } from "./deps.js";
export type { EventRuntime } from "./deps.js";
