// A voice note's waveform and length, worked out in the browser from its sound (the server never decodes
// audio; an encrypted one it could not anyway): the loudest sample of each slice, scaled so the loudest
// slice fills the bar.
const cache = new Map<string, Promise<Waveform>>();

export interface Waveform {
  /** 0 to 1, one per bar. */
  peaks: number[];
  seconds: number;
}

/** Sounds larger than this get the browser's own player instead (decoding a long recording costs memory). */
export const MAX_WAVEFORM_BYTES = 4 * 1024 * 1024;

/** The peaks of `bars` equal slices of the samples, scaled to the loudest; silence stays flat. */
export function peaksOf(samples: Float32Array, bars: number): number[] {
  const out: number[] = [];
  const slice = samples.length / bars;
  for (let i = 0; i < bars; i++) {
    let peak = 0;
    const end = Math.min(samples.length, Math.floor((i + 1) * slice));
    for (let j = Math.floor(i * slice); j < end; j++) peak = Math.max(peak, Math.abs(samples[j]!));
    out.push(peak);
  }
  const top = Math.max(...out, 0);
  return top > 0.001 ? out.map((p) => p / top) : out.map(() => 0);
}

/** "0:07", "1:23", "12:05". */
export function clockText(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export function waveformOf(url: string, bars = 40): Promise<Waveform> {
  let found = cache.get(url);
  if (!found) {
    found = (async () => {
      const bytes = await (await fetch(url, { credentials: "same-origin" })).arrayBuffer();
      const context = new AudioContext();
      try {
        const audio = await context.decodeAudioData(bytes);
        return { peaks: peaksOf(audio.getChannelData(0), bars), seconds: audio.duration };
      } finally {
        void context.close();
      }
    })();
    cache.set(url, found);
    found.catch(() => cache.delete(url));
  }
  return found;
}
