// A voice note or other sound in a message: play and pause, its waveform (worked out in the browser) with
// what has played lit up, its length, and a click on the waveform to go there.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Attachment } from "../app/api.ts";
import { clockText, MAX_WAVEFORM_BYTES, waveformOf, type Waveform } from "../app/waveform.ts";

export function AudioPlayer(props: { a: Attachment }) {
  const { a } = props;
  const audio = useRef<HTMLAudioElement>(null);
  const [wave, setWave] = useState<Waveform | null>(null);
  const [playing, setPlaying] = useState(false);
  const [at, setAt] = useState(0);

  useEffect(() => {
    if (a.size > MAX_WAVEFORM_BYTES) return;
    let current = true;
    waveformOf(a.url).then(
      (w) => current && setWave(w),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [a.url]);

  // Large sounds: the browser's own player.
  if (a.size > MAX_WAVEFORM_BYTES)
    return <audio class="audio-plain" src={a.url} controls preload="metadata" aria-label={a.name} />;
  const seconds = wave?.seconds ?? 0;
  const toggle = () => {
    const el = audio.current!;
    if (el.paused) void el.play();
    else el.pause();
  };
  const seek = (e: MouseEvent) => {
    const box = (e.currentTarget as HTMLElement).getBoundingClientRect();
    const el = audio.current!;
    if (seconds > 0) el.currentTime = ((e.clientX - box.left) / box.width) * seconds;
  };
  const done = seconds > 0 ? at / seconds : 0;
  return (
    <div class="audio-player" role="group" aria-label={`Voice note ${a.name}`}>
      <audio
        ref={audio}
        src={a.url}
        preload="none"
        onPlay={() => setPlaying(true)}
        onPause={() => setPlaying(false)}
        onEnded={() => (setPlaying(false), setAt(0))}
        onTimeUpdate={(e) => setAt(e.currentTarget.currentTime)}
      />
      <button type="button" class="icon play" aria-label={playing ? "Pause" : "Play"} onClick={toggle}>
        {playing ? "❚❚" : "▶"}
      </button>
      <span class="waveform" onClick={seek} aria-hidden="true">
        {(wave?.peaks ?? Array.from({ length: 40 }, () => 0.15)).map((p, i, all) => (
          <span key={i} class={i / all.length < done ? "played" : ""} style={{ height: `${Math.max(8, p * 100)}%` }} />
        ))}
      </span>
      <small class="hint duration">{wave ? clockText(playing || at > 0 ? at : seconds) : "…"}</small>
    </div>
  );
}
