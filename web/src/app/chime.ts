// The message sound: two short soft tones made by the browser (Web Audio), so there is no file to load.
// Played for the reducer's "chime" effect when this device wants it (preferences.ts), at most once a second
// however many messages arrive together. A browser that has not been interacted with yet may refuse to
// play: then nothing happens.
import { messageSound } from "./preferences.ts";

let context: AudioContext | null = null;
let lastAt = 0;

export function chime(): void {
  if (!messageSound.value || typeof AudioContext === "undefined") return;
  const now = Date.now();
  if (now - lastAt < 1000) return;
  lastAt = now;
  context ??= new AudioContext();
  const ctx = context;
  void ctx.resume().catch(() => {});
  const start = ctx.currentTime;
  for (const [frequency, offset] of [
    [880, 0],
    [1175, 0.09],
  ] as const) {
    const tone = ctx.createOscillator();
    const gain = ctx.createGain();
    tone.type = "sine";
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.12, start + offset + 0.015);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
    tone.connect(gain).connect(ctx.destination);
    tone.start(start + offset);
    tone.stop(start + offset + 0.2);
  }
}
