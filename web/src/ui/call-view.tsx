import { useEffect, useRef, useState } from "preact/hooks";
import type { Conversation } from "../app/api.ts";
import {
  callError,
  calls,
  declineCall,
  joinCall,
  leaveCall,
  myCall,
  audioLevels,
  ringing,
  speakerId,
  toggleCamera,
  toggleMute,
  toggleScreen,
  type Remote,
} from "../app/calls.ts";
import { conversations } from "../app/chats.ts";
import { conversationTitle } from "../app/chat-display.ts";
import { me } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { CallDevices } from "./call-devices.tsx";

/** Above this level (0–1, as WebRTC's statistics report it; a quiet room is around 0.001) someone speaks. */
const SPEAKING = 0.01;

/** A stream shown in a video element (muted for my own, so I do not hear myself), on the chosen speaker. */
function StreamVideo(props: { stream: MediaStream; self?: boolean; label: string; hidden?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== props.stream) ref.current.srcObject = props.stream;
  }, [props.stream]);
  const sink = speakerId.value;
  useEffect(() => {
    const el = ref.current as (HTMLVideoElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (!props.self && el?.setSinkId) void el.setSinkId(sink).catch(() => {});
  }, [sink]);
  // Hidden, not removed: the same element keeps playing the sound.
  return (
    <video
      ref={ref}
      autoPlay
      playsInline
      muted={props.self}
      aria-label={props.label}
      style={props.hidden ? { visibility: "hidden" } : undefined}
    />
  );
}

function who(c: Conversation | undefined, userId: string) {
  return c?.members.find((m) => m.user.id === userId)?.user;
}

/** The call this device is in: everyone's picture, mine small in a corner, and the controls. */
export function CallView() {
  return myCall.value ? <CallScreen /> : null;
}

function CallScreen() {
  const mine = myCall.value!;
  const c = conversations.value.get(mine.conversationId);
  const call = calls.value.get(mine.conversationId);
  const state = (peerId: string) => call?.participants.find((p) => p.peerId === peerId);
  const remotes = [...mine.remotes.values()];
  const speaking = useActiveSpeaker(remotes.length > 0);
  const [devicesOpen, setDevicesOpen] = useState(false);
  return (
    <section class="call-view" aria-label={`Call in ${c ? conversationTitle(c) : "a conversation"}`}>
      <header class="call-head">
        <strong>{c ? conversationTitle(c) : "Call"}</strong>
        <small>
          {mine.peerId
            ? remotes.length === 0
              ? "Waiting for others to join…"
              : `${remotes.length + 1} in the call`
            : "Connecting…"}
        </small>
      </header>
      <div class={`call-grid n${Math.min(remotes.length, 4)}`}>
        {remotes.map((r) => (
          <RemoteTile
            key={r.peerId}
            r={r}
            c={c}
            muted={state(r.peerId)?.muted ?? false}
            sharing={state(r.peerId)?.sharing ?? false}
            camera={state(r.peerId)?.camera ?? true}
            speaking={speaking === r.peerId}
          />
        ))}
      </div>
      {mine.local && mine.camera && mine.local.getVideoTracks().length > 0 && (
        <div class="call-self">
          <StreamVideo stream={mine.local} self label="You" />
        </div>
      )}
      {mine.error && (
        <p class="error call-error" role="alert">
          {mine.error}
        </p>
      )}
      {devicesOpen && <CallDevices />}
      <div class="call-controls" role="toolbar" aria-label="Call controls">
        <button type="button" aria-pressed={mine.muted} onClick={toggleMute}>
          {mine.muted ? "🔇 Unmute" : "🎙️ Mute"}
        </button>
        {mine.local && mine.local.getVideoTracks().length > 0 && (
          <button type="button" aria-pressed={!mine.camera} onClick={toggleCamera}>
            {mine.camera ? "📷 Camera off" : "📷 Camera on"}
          </button>
        )}
        {"getDisplayMedia" in (navigator.mediaDevices ?? {}) && (
          <button type="button" aria-pressed={mine.screen !== null} onClick={() => void toggleScreen()}>
            {mine.screen ? "🖥️ Stop sharing" : "🖥️ Share screen"}
          </button>
        )}
        <button type="button" aria-expanded={devicesOpen} onClick={() => setDevicesOpen(!devicesOpen)}>
          ⚙️ Devices
        </button>
        <button type="button" class="primary destructive" onClick={() => void leaveCall()}>
          Leave
        </button>
      </div>
    </section>
  );
}

/** Who is loudest now among the others, from their audio levels (asked twice a second), if anyone speaks. */
function useActiveSpeaker(on: boolean): string | null {
  const [speaker, setSpeaker] = useState<string | null>(null);
  useEffect(() => {
    if (!on) return setSpeaker(null);
    let current = true;
    const t = setInterval(() => {
      void audioLevels().then((levels) => {
        if (!current) return;
        let loudest: string | null = null;
        let level = SPEAKING;
        for (const [peerId, l] of levels) if (l > level) [loudest, level] = [peerId, l];
        setSpeaker(loudest);
      });
    }, 500);
    return () => {
      current = false;
      clearInterval(t);
    };
  }, [on]);
  return speaker;
}

function RemoteTile(props: {
  r: Remote;
  c: Conversation | undefined;
  muted: boolean;
  sharing: boolean;
  camera: boolean;
  speaking: boolean;
}) {
  const person = who(props.c, props.r.userId);
  const name = person?.displayName ?? "Someone";
  // A camera turned off still sends (black) frames: the picture shows instead, as everyone was told.
  const hasVideo =
    (props.camera || props.sharing) && props.r.stream.getVideoTracks().some((t) => t.readyState === "live");
  return (
    <figure class={`call-tile${props.speaking ? " speaking" : ""}`} data-peer={props.r.peerId}>
      <StreamVideo stream={props.r.stream} label={`${name}'s video`} hidden={!hasVideo} />
      {!hasVideo && person && <Avatar person={person} size={72} decorative />}
      <figcaption>
        {name}
        {props.sharing && <span class="hint-on-dark"> · sharing the screen</span>}
        {props.r.reconnecting && <span class="hint-on-dark"> · reconnecting…</span>}
        {!props.camera && <span class="hint-on-dark"> · camera off</span>}
        {props.muted && (
          <span role="img" aria-label="muted">
            {" "}
            🔇
          </span>
        )}
      </figcaption>
    </figure>
  );
}

/** A ring tone while a call rings here: two short tones every two seconds (WebAudio; silent if not allowed). */
function useRingTone(on: boolean): void {
  useEffect(() => {
    if (!on || typeof AudioContext === "undefined") return;
    const audio = new AudioContext();
    const ring = () => {
      void audio.resume().catch(() => {});
      for (const [at, hz] of [
        [0, 440],
        [0.45, 480],
      ] as const) {
        const tone = audio.createOscillator();
        const gain = audio.createGain();
        tone.frequency.value = hz;
        gain.gain.value = 0.08;
        tone.connect(gain).connect(audio.destination);
        tone.start(audio.currentTime + at);
        tone.stop(audio.currentTime + at + 0.35);
      }
    };
    ring();
    const t = setInterval(ring, 2000);
    return () => {
      clearInterval(t);
      void audio.close();
    };
  }, [on]);
}

/** A direct call ringing for me, in whatever conversation: accept or decline, from anywhere in the app. */
export function IncomingCalls() {
  const ringingNow = [...calls.value.values()].filter((call) => {
    const c = conversations.value.get(call.conversationId);
    return c && ringing(call, c.type === "direct") && myCall.value?.conversationId !== call.conversationId;
  });
  useRingTone(ringingNow.length > 0);
  const error = callError.value;
  return (
    <>
      {ringingNow.map((call) => {
        const c = conversations.value.get(call.conversationId)!;
        const caller = who(c, call.startedBy);
        return (
          <div
            key={call.id}
            class="incoming-call"
            role="alertdialog"
            aria-label={`Incoming call from ${caller?.displayName}`}
          >
            {caller && <Avatar person={caller} size={44} decorative />}
            <span class="incoming-who">
              <strong>{caller?.displayName ?? "Someone"}</strong>
              <small>{call.media === "video" ? "Video call" : "Audio call"}</small>
            </span>
            <button type="button" class="primary" onClick={() => void joinCall(call.conversationId)}>
              Accept
            </button>
            <button type="button" class="destructive" onClick={() => declineCall(call.conversationId)}>
              Decline
            </button>
          </div>
        );
      })}
      {error && (
        <p class="error banner call-refused" role="alert">
          {error}{" "}
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => (callError.value = null)}>
            ✕
          </button>
        </p>
      )}
    </>
  );
}

/** In a group with a call going on that I am not in: who is there, and Join. */
export function CallBar(props: { c: Conversation }) {
  const call = calls.value.get(props.c.id);
  const mine = myCall.value;
  if (!call || mine?.conversationId === props.c.id) return null;
  if (props.c.type === "direct" && ringing(call, true)) return null;
  const here = call.participants.filter((p) => p.userId !== me.value?.id).length;
  return (
    <div class="call-bar" role="status">
      <span>
        {call.media === "video" ? "🎥" : "📞"} Call in progress · {here} {here === 1 ? "person" : "people"}
      </span>
      <button type="button" class="primary" onClick={() => void joinCall(props.c.id)}>
        Join
      </button>
    </div>
  );
}
