// What the call frames on /ws may hold, checked before anything is done with them. Signalling is relayed
// between browsers, so its shape is checked too (an offer or answer, or an ICE candidate) and its size
// bounded: the server passes on only what a WebRTC peer could have made.
import { z } from "zod";
import { parseWith } from "../lib/parse.ts";
import type { Socket } from "./hub.ts";
import type { Accepts } from "./protocol.ts";
import type {
  CallJoinFrame,
  CallLeaveFrame,
  CallSignalSendFrame,
  CallStartFrame,
  CallStateFrame,
} from "../protocol/frames.ts";

/** An SDP of a few audio and video tracks is 3–10 KB; this leaves room for many candidates in it. */
export const MAX_SDP_CHARS = 32_000;

const request = { id: z.string().max(100).nullish() };
const conversationId = z.string().min(1).max(100);
const peerId = z.string().min(1).max(64);

export const callStartFrame = z.object({
  type: z.literal("call.start"),
  ...request,
  conversationId,
  media: z.enum(["audio", "video"]),
});

export const callJoinFrame = z.object({
  type: z.literal("call.join"),
  ...request,
  conversationId,
  rejoin: peerId.nullish(),
});

export const callLeaveFrame = z.object({
  type: z.enum(["call.leave", "call.decline"]),
  ...request,
  conversationId,
});

export const callStateFrame = z
  .object({
    type: z.literal("call.state"),
    ...request,
    conversationId,
    muted: z.boolean().optional(),
    camera: z.boolean().optional(),
    sharing: z.boolean().optional(),
  })
  .refine((f) => f.muted !== undefined || f.camera !== undefined || f.sharing !== undefined, {
    message: "Give muted, camera or sharing.",
    path: ["muted"],
  });

const sdp = z.object({ type: z.enum(["offer", "answer"]), sdp: z.string().min(1).max(MAX_SDP_CHARS) });
const candidate = z
  .object({
    candidate: z.string().max(1000),
    sdpMid: z.string().max(64).nullish(),
    sdpMLineIndex: z.number().int().min(0).max(255).nullish(),
    usernameFragment: z.string().max(256).nullish(),
  })
  .nullable();

export const callSignalFrame = z.object({
  type: z.literal("call.signal"),
  ...request,
  conversationId,
  to: peerId,
  data: z
    .object({ sdp: sdp.optional(), candidate: candidate.optional() })
    .strict()
    .refine((d) => (d.sdp === undefined) !== (d.candidate === undefined), {
      message: "Give either sdp or candidate.",
    }),
});

const schemasMatchTheContract: [
  Accepts<typeof callStartFrame, CallStartFrame>,
  Accepts<typeof callJoinFrame, CallJoinFrame>,
  Accepts<typeof callLeaveFrame, CallLeaveFrame>,
  Accepts<typeof callStateFrame, CallStateFrame>,
  Accepts<typeof callSignalFrame, CallSignalSendFrame>,
] = [true, true, true, true, true];
void schemasMatchTheContract;

/** What the frames ask of the calls (realtime/calls.ts), named here so that this module needs only the shape. */
export interface CallActions {
  runsElsewhere(ws: Socket, frame: CallClientFrame, id: string | null): boolean;
  start(ws: Socket, id: string | null, conversationId: string, media: "audio" | "video"): void;
  join(ws: Socket, id: string | null, conversationId: string, rejoin: string | null): void;
  leave(ws: Socket, conversationId: string): void;
  decline(ws: Socket, conversationId: string): void;
  setState(ws: Socket, conversationId: string, patch: { muted?: boolean; camera?: boolean; sharing?: boolean }): void;
  signal(ws: Socket, conversationId: string, to: string, data: CallSignalSendFrame["data"]): void;
}

/** A call frame, checked. */
export type CallClientFrame =
  | z.infer<typeof callStartFrame>
  | z.infer<typeof callJoinFrame>
  | z.infer<typeof callLeaveFrame>
  | z.infer<typeof callStateFrame>
  | z.infer<typeof callSignalFrame>;

export function parseCallFrame(raw: unknown): CallClientFrame {
  switch ((raw as { type: string }).type) {
    case "call.start":
      return parseWith(callStartFrame, raw);
    case "call.join":
      return parseWith(callJoinFrame, raw);
    case "call.leave":
    case "call.decline":
      return parseWith(callLeaveFrame, raw);
    case "call.state":
      return parseWith(callStateFrame, raw);
    default:
      return parseWith(callSignalFrame, raw);
  }
}

/**
 * A call frame from a live socket: checked, then handed to the calls — of this node, or, in a cluster, of
 * the node that holds the conversation's call (cluster/call-routing.ts).
 */
export function onCallFrame(calls: CallActions, ws: Socket, raw: unknown, id: string | null): void {
  const frame = parseCallFrame(raw);
  if (calls.runsElsewhere(ws, frame, id)) return;
  runCallFrame(calls, ws, frame, id);
}

/** Carries out a checked call frame for a socket (here, or on another node for whom this node holds the call). */
export function runCallFrame(calls: CallActions, ws: Socket, f: CallClientFrame, id: string | null): void {
  switch (f.type) {
    case "call.start":
      return calls.start(ws, id, f.conversationId, f.media);
    case "call.join":
      return calls.join(ws, id, f.conversationId, f.rejoin ?? null);
    case "call.leave":
      return calls.leave(ws, f.conversationId);
    case "call.decline":
      return calls.decline(ws, f.conversationId);
    case "call.state":
      return calls.setState(ws, f.conversationId, { muted: f.muted, camera: f.camera, sharing: f.sharing });
    case "call.signal":
      return calls.signal(ws, f.conversationId, f.to, f.data);
  }
}
