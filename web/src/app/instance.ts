// This server as it describes itself (GET /api/v1/instance): its name, what it offers. Apart from state.ts,
// which loads it, so that what reads it (uploads) need not import the session's start and stop.
import { signal } from "@preact/signals";
import type { Instance } from "./api.ts";

export const instance = signal<Instance | null>(null);
