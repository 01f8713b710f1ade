// Recording a voice note in the composer: the time so far, how loud it is, and Cancel or Send.
import { useEffect, useRef, useState } from "preact/hooks";
import { clockText } from "../app/waveform.ts";
import { MAX_VOICE_SECONDS, sendVoiceNote, startRecording, type Recording } from "../app/voice-notes.ts";

const BARS = 32;

export function VoiceRecorder(props: {
  conversationId: string;
  threadRootId: string | null;
  encrypted: boolean;
  onDone: (error?: string) => void;
}) {
  const recording = useRef<Recording | null>(null);
  const [seconds, setSeconds] = useState(0);
  const [levels, setLevels] = useState<number[]>([]);
  const [sending, setSending] = useState(false);

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setInterval> | undefined;
    startRecording().then(
      (r) => {
        if (!live) return r.cancel();
        recording.current = r;
        timer = setInterval(() => {
          const s = (Date.now() - r.startedAt) / 1000;
          setSeconds(s);
          setLevels((l) => [...l.slice(-(BARS - 1)), r.level()]);
          if (s >= MAX_VOICE_SECONDS) void send();
        }, 100);
      },
      (err: Error) =>
        props.onDone(
          err.name === "NotAllowedError"
            ? "Parley may not use the microphone: allow it in the browser's site settings."
            : `The microphone cannot be used: ${err.message}`,
        ),
    );
    return () => {
      live = false;
      clearInterval(timer);
      // Sending took it already; otherwise leaving the conversation throws it away.
      recording.current?.cancel();
    };
  }, []);

  const send = async () => {
    const r = recording.current;
    if (!r || sending) return;
    setSending(true);
    recording.current = null;
    const file = await r.stop();
    sendVoiceNote(props.conversationId, file, props.encrypted, props.threadRootId).then(
      () => props.onDone(),
      (err: Error) => props.onDone(`The voice note was not sent: ${err.message}`),
    );
  };
  const cancel = () => {
    recording.current?.cancel();
    recording.current = null;
    props.onDone();
  };

  return (
    <div class="voice-recorder" role="group" aria-label="Recording a voice note">
      <button
        type="button"
        class="icon"
        aria-label="Cancel recording"
        title="Cancel"
        onClick={cancel}
        disabled={sending}
      >
        🗑
      </button>
      <span class="recording-dot" aria-hidden="true" />
      <span class="recording-time" role="timer">
        {clockText(seconds)}
      </span>
      <span class="waveform live" aria-hidden="true">
        {levels.map((l, i) => (
          <span key={i} style={{ height: `${Math.max(8, l * 100)}%` }} />
        ))}
      </span>
      <button type="button" class="primary" onClick={() => void send()} disabled={sending || !recording.current}>
        {sending ? "Sending…" : "Send voice note"}
      </button>
    </div>
  );
}
