// Calls in the browser: which conversations have one going on (from the server's call frames), and the one
// this device is in — its camera and microphone, and one RTCPeerConnection to every other participant (a
// full mesh). Negotiation follows WebRTC's "perfect negotiation": the first offer of a pair comes from the
// impolite side (the larger peer id); after that either side may offer whenever its tracks change, and when
// two offers cross, the polite side gives way.
import { signal } from "@preact/signals";
import type {
  CallJoinedFrame,
  CallServerFrame,
  CallSignalData,
  CallView,
  IceServerView,
} from "../../../src/protocol/frames.ts";
import { sendFrame } from "./connection.ts";

/** conversationId → the call going on there. */
export const calls = signal<ReadonlyMap<string, CallView>>(new Map());

export interface Remote {
  peerId: string;
  userId: string;
  stream: MediaStream;
  /** The path to them dropped: the browsers are looking for another (shown on their picture). */
  reconnecting: boolean;
}

export interface MyCall {
  conversationId: string;
  media: "audio" | "video";
  peerId: string | null;
  local: MediaStream | null;
  screen: MediaStream | null;
  muted: boolean;
  camera: boolean;
  remotes: ReadonlyMap<string, Remote>;
  error: string | null;
}

/** The call this device is in (or joining), if any. */
export const myCall = signal<MyCall | null>(null);

interface Link {
  pc: RTCPeerConnection;
  polite: boolean;
  makingOffer: boolean;
  /**
   * An answer is being applied. Signals are handled as they come, not one after another, so an offer right
   * behind an answer finds the connection still "have-local-offer": it is no collision, and the impolite side
   * must not drop it (the other side would wait for its answer for ever).
   */
  settingAnswer: boolean;
  ignoreOffer: boolean;
  stream: MediaStream;
}

const links = new Map<string, Link>();
let iceServers: IceServerView[] = [];
let myUserId: string | null = null;

export function setCallUser(userId: string | null): void {
  myUserId = userId;
  if (!userId) void leaveCall();
}

/** How loud each other participant is now (0–1, from the browser's statistics of what arrives). */
export async function audioLevels(): Promise<Map<string, number>> {
  const levels = new Map<string, number>();
  for (const [peerId, link] of links) {
    const stats = await link.pc.getStats().catch(() => null);
    stats?.forEach((r: { type: string; kind?: string; audioLevel?: number }) => {
      if (r.type === "inbound-rtp" && r.kind === "audio" && typeof r.audioLevel === "number")
        levels.set(peerId, Math.max(levels.get(peerId) ?? 0, r.audioLevel));
    });
  }
  return levels;
}

/** The speaker chosen for calls ("" = the system's), applied to every participant's sound. */
export const speakerId = signal("");

/**
 * Uses another microphone or camera: the new track replaces the old one in every connection (no
 * renegotiation), and the old one is released.
 */
export async function useDevice(kind: "audioinput" | "videoinput", deviceId: string): Promise<void> {
  const mine = myCall.value;
  if (!mine?.local) return;
  const audio = kind === "audioinput";
  let fresh: MediaStream;
  try {
    fresh = await navigator.mediaDevices.getUserMedia(
      audio ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } },
    );
  } catch (err) {
    return update({ error: deviceError(err, audio ? "microphone" : "camera") });
  }
  const track = (audio ? fresh.getAudioTracks() : fresh.getVideoTracks())[0]!;
  const old = (audio ? mine.local.getAudioTracks() : mine.local.getVideoTracks())[0];
  track.enabled = audio ? !mine.muted : mine.camera;
  for (const link of links.values())
    for (const sender of link.pc.getSenders()) if (sender.track === old) await sender.replaceTrack(track);
  const local = new MediaStream([...mine.local.getTracks().filter((t) => t !== old), track]);
  old?.stop();
  update({ local, error: null });
}

/** Someone else's call that wants an answer here: a direct call ringing for me. */
export function ringing(call: CallView, direct: boolean): boolean {
  if (!direct || !myUserId || call.startedBy === myUserId) return false;
  if (call.declinedBy.includes(myUserId)) return false;
  return !call.participants.some((p) => p.userId === myUserId);
}

/** Starts a call in a conversation (or joins the one going on), with the camera for a video call. */
export async function startCall(conversationId: string, media: "audio" | "video"): Promise<void> {
  if (!(await prepare(conversationId, media))) return;
  sendFrame({ type: "call.start", id: "call:start", conversationId, media });
}

/** Joins the conversation's call. */
export async function joinCall(conversationId: string): Promise<void> {
  const media = calls.value.get(conversationId)?.media ?? "audio";
  if (!(await prepare(conversationId, media))) return;
  sendFrame({ type: "call.join", id: "call:join", conversationId });
}

export function declineCall(conversationId: string): void {
  sendFrame({ type: "call.decline", conversationId });
}

/** Leaves the call: every connection closes and the camera and microphone are released. */
export async function leaveCall(): Promise<void> {
  const mine = myCall.value;
  if (!mine) return;
  if (mine.peerId) sendFrame({ type: "call.leave", conversationId: mine.conversationId });
  for (const link of links.values()) link.pc.close();
  links.clear();
  for (const s of [mine.local, mine.screen]) s?.getTracks().forEach((t) => t.stop());
  myCall.value = null;
}

export function toggleMute(): void {
  const mine = myCall.value;
  if (!mine?.local) return;
  const muted = !mine.muted;
  mine.local.getAudioTracks().forEach((t) => (t.enabled = !muted));
  update({ muted });
  sendFrame({ type: "call.state", conversationId: mine.conversationId, muted });
}

export function toggleCamera(): void {
  const mine = myCall.value;
  if (!mine?.local) return;
  const camera = !mine.camera;
  mine.local.getVideoTracks().forEach((t) => (t.enabled = camera));
  update({ camera });
  sendFrame({ type: "call.state", conversationId: mine.conversationId, camera });
}

/** Shares the screen as one more video track to everyone; stops when the browser's own "stop" is pressed. */
export async function toggleScreen(): Promise<void> {
  const mine = myCall.value;
  if (!mine) return;
  if (mine.screen) return stopScreen();
  let screen: MediaStream;
  try {
    screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (err) {
    return update({ error: deviceError(err, "screen") });
  }
  const track = screen.getVideoTracks()[0]!;
  track.onended = () => stopScreen();
  for (const link of links.values()) link.pc.addTrack(track, screen);
  update({ screen });
  sendFrame({ type: "call.state", conversationId: mine.conversationId, sharing: true });
}

function stopScreen(): void {
  const mine = myCall.value;
  if (!mine?.screen) return;
  const track = mine.screen.getVideoTracks()[0];
  for (const link of links.values())
    for (const sender of link.pc.getSenders()) if (sender.track === track) link.pc.removeTrack(sender);
  mine.screen.getTracks().forEach((t) => t.stop());
  update({ screen: null });
  sendFrame({ type: "call.state", conversationId: mine.conversationId, sharing: false });
}

/** Frames about calls from the socket. */
export function onCallFrame(frame: CallServerFrame): void {
  if (frame.type === "call") {
    const next = new Map(calls.value);
    if (frame.call) next.set(frame.conversationId, frame.call);
    else next.delete(frame.conversationId);
    calls.value = next;
    if (myCall.value?.conversationId === frame.conversationId) {
      if (!frame.call) void leaveCall();
      else syncPeers(frame.call);
    }
  } else if (frame.type === "call.joined") joined(frame);
  else void onSignal(frame.from, frame.fromUserId, frame.data);
}

/** The server refused a call frame (full, no right…): say so and stop trying. */
export function onCallError(message: string): void {
  if (!myCall.value) return;
  const error = message;
  void leaveCall().then(() => (callError.value = error));
}

/** The last reason a call could not start or go on, shown until dismissed. */
export const callError = signal<string | null>(null);

/** This device's network changed (back online, Wi-Fi to mobile data): every path is looked for anew. */
export function restartPaths(): void {
  for (const link of links.values()) if (link.pc.connectionState !== "closed") link.pc.restartIce();
}
if (typeof window !== "undefined") window.addEventListener("online", restartPaths);

/** After the socket came back: take this device's place in its call again (within the server's grace). */
export function rejoinAfterReconnect(): void {
  const mine = myCall.value;
  if (!mine?.peerId) return;
  sendFrame({ type: "call.join", id: "call:join", conversationId: mine.conversationId, rejoin: mine.peerId });
}

/** Forgets what the server said about calls: after a reconnect it tells again. */
export function resetCalls(): void {
  calls.value = new Map();
}

async function prepare(conversationId: string, media: "audio" | "video"): Promise<boolean> {
  if (myCall.value) await leaveCall();
  callError.value = null;
  let local: MediaStream;
  try {
    local = await navigator.mediaDevices.getUserMedia({ audio: true, video: media === "video" });
  } catch (err) {
    callError.value = deviceError(err, media === "video" ? "camera" : "microphone");
    return false;
  }
  myCall.value = {
    conversationId,
    media,
    peerId: null,
    local,
    screen: null,
    muted: false,
    camera: media === "video",
    remotes: new Map(),
    error: null,
  };
  return true;
}

function joined(frame: CallJoinedFrame): void {
  const mine = myCall.value;
  if (!mine || mine.conversationId !== frame.conversationId) return;
  iceServers = frame.iceServers;
  update({ peerId: frame.peerId });
  const call = calls.value.get(frame.conversationId);
  if (call) syncPeers(call);
}

/** One connection to every other participant; none to those who left. */
function syncPeers(call: CallView): void {
  const mine = myCall.value;
  if (!mine?.peerId) return;
  const others = call.participants.filter((p) => p.peerId !== mine.peerId);
  for (const [peerId, link] of links)
    if (!others.some((p) => p.peerId === peerId)) {
      link.pc.close();
      links.delete(peerId);
      removeRemote(peerId);
    }
  for (const p of others) if (!links.has(p.peerId)) linkTo(p.peerId, p.userId);
}

function linkTo(peerId: string, userId: string): Link {
  const mine = myCall.value!;
  const pc = new RTCPeerConnection({ iceServers });
  const link: Link = {
    pc,
    polite: mine.peerId! < peerId,
    makingOffer: false,
    settingAnswer: false,
    ignoreOffer: false,
    stream: new MediaStream(),
  };
  links.set(peerId, link);
  const conversationId = mine.conversationId;
  const signal = (data: CallSignalData) => sendFrame({ type: "call.signal", conversationId, to: peerId, data });
  pc.onnegotiationneeded = async () => {
    // The first offer of a pair comes from the impolite side only: two first offers crossing (both learn of
    // each other at once) would each discard the other's candidates. Later changes may come from either.
    if (link.polite && !pc.remoteDescription) return;
    try {
      link.makingOffer = true;
      await pc.setLocalDescription();
      signal({ sdp: { type: pc.localDescription!.type as "offer", sdp: pc.localDescription!.sdp } });
    } catch (err) {
      update({ error: `Could not reach a participant: ${(err as Error).message}` });
    } finally {
      link.makingOffer = false;
    }
  };
  pc.onicecandidate = ({ candidate: c }) =>
    signal({
      candidate: c
        ? {
            candidate: c.candidate,
            sdpMid: c.sdpMid,
            sdpMLineIndex: c.sdpMLineIndex,
            usernameFragment: c.usernameFragment,
          }
        : null,
    });
  pc.ontrack = ({ track }) => {
    link.stream.addTrack(track);
    track.onended = () => link.stream.removeTrack(track);
    putRemote({ peerId, userId, stream: link.stream, reconnecting: false });
  };
  // A path that fails (a network change, a relay gone): ask for new candidates instead of giving up.
  pc.oniceconnectionstatechange = () => {
    const state = pc.iceConnectionState;
    if (state === "failed") pc.restartIce();
    putRemote({ peerId, userId, stream: link.stream, reconnecting: state === "disconnected" || state === "failed" });
  };
  for (const s of [mine.local, mine.screen]) s?.getTracks().forEach((t) => pc.addTrack(t, s));
  putRemote({ peerId, userId, stream: link.stream, reconnecting: false });
  return link;
}

async function onSignal(from: string, fromUserId: string, data: CallSignalData): Promise<void> {
  const mine = myCall.value;
  if (!mine?.peerId) return;
  const link = links.get(from) ?? linkTo(from, fromUserId);
  const { pc } = link;
  try {
    if (data.sdp) {
      const ready = !link.makingOffer && (pc.signalingState === "stable" || link.settingAnswer);
      const collision = data.sdp.type === "offer" && !ready;
      link.ignoreOffer = !link.polite && collision;
      if (link.ignoreOffer) return;
      link.settingAnswer = data.sdp.type === "answer";
      try {
        await pc.setRemoteDescription(data.sdp);
      } finally {
        link.settingAnswer = false;
      }
      if (data.sdp.type === "offer") {
        await pc.setLocalDescription();
        sendFrame({
          type: "call.signal",
          conversationId: mine.conversationId,
          to: from,
          data: { sdp: { type: "answer", sdp: pc.localDescription!.sdp } },
        });
      }
    } else if (data.candidate !== undefined) {
      try {
        await pc.addIceCandidate(data.candidate ?? undefined);
      } catch (err) {
        if (!link.ignoreOffer) throw err;
      }
    }
  } catch (err) {
    update({ error: `The connection to a participant failed: ${(err as Error).message}` });
  }
}

function putRemote(r: Remote): void {
  const mine = myCall.value;
  if (!mine) return;
  const remotes = new Map(mine.remotes);
  remotes.set(r.peerId, r);
  update({ remotes });
}

function removeRemote(peerId: string): void {
  const mine = myCall.value;
  if (!mine) return;
  const remotes = new Map(mine.remotes);
  remotes.delete(peerId);
  update({ remotes });
}

function update(patch: Partial<MyCall>): void {
  if (myCall.value) myCall.value = { ...myCall.value, ...patch };
}

/** What to tell a person whose browser refused a device, in words they can act on. */
function deviceError(err: unknown, what: "camera" | "microphone" | "screen"): string {
  const name = (err as { name?: string }).name;
  if (name === "NotAllowedError")
    return what === "screen"
      ? "Screen sharing was not allowed."
      : `Parley may not use your ${what}: allow it in the browser's settings for this site, then try again.`;
  if (name === "NotFoundError") return `No ${what} was found on this device.`;
  if (name === "NotReadableError") return `Your ${what} is in use by another app.`;
  if (typeof navigator.mediaDevices?.getUserMedia !== "function")
    return "Calls need a secure connection (https, or this computer's own address).";
  return `Could not start the ${what}: ${(err as Error).message}`;
}
