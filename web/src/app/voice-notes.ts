// Voice notes: recorded with the browser's MediaRecorder (Opus, in WebM on Chrome and Firefox, MP4 on
// Safari), then sent as a file like any other: uploaded (encrypted first in an encrypted conversation) and
// sent as a message of its own once the upload is done.
import { effect } from "@preact/signals";
import { queueMessage } from "./outbox.ts";
import { removeUpload, startUpload, takeAttachments, uploads, uploadSlot } from "./uploads.ts";

/** A voice note ends here by itself: a message, not a podcast. */
export const MAX_VOICE_SECONDS = 10 * 60;

export interface Recording {
  startedAt: number;
  /** How loud it is now, 0 to 1 (for the bars while recording). */
  level(): number;
  /** Ends the recording: the sound as a file. */
  stop(): Promise<File>;
  /** Ends it and throws it away. */
  cancel(): void;
}

const TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"];

export async function startRecording(): Promise<Recording> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
  const recorder = new MediaRecorder(stream, mimeType ? { mimeType, audioBitsPerSecond: 32_000 } : undefined);
  const chunks: Blob[] = [];
  recorder.ondataavailable = (e) => e.data.size > 0 && chunks.push(e.data);
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 512;
  context.createMediaStreamSource(stream).connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const release = () => {
    for (const t of stream.getTracks()) t.stop();
    void context.close();
  };
  recorder.start(250);
  return {
    startedAt: Date.now(),
    level() {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      return Math.min(1, peak);
    },
    stop() {
      return new Promise<File>((resolve) => {
        recorder.onstop = () => {
          release();
          const type = (recorder.mimeType || "audio/webm").split(";")[0]!;
          const ext = type.includes("ogg") ? "ogg" : type.includes("mp4") ? "m4a" : "webm";
          const stamp = new Date().toISOString().slice(0, 16).replace("T", " ").replace(":", ".");
          resolve(new File(chunks, `Voice note ${stamp}.${ext}`, { type }));
        };
        recorder.stop();
      });
    },
    cancel() {
      recorder.onstop = release;
      recorder.stop();
    },
  };
}

/**
 * Uploads a voice note and sends it once it is up (in a thread if `threadRootId`). Rejects with the
 * upload's error; nothing is sent then.
 */
export function sendVoiceNote(
  conversationId: string,
  file: File,
  encrypted: boolean,
  threadRootId: string | null,
): Promise<void> {
  const slot = `${uploadSlot(conversationId, threadRootId)} voice ${crypto.randomUUID()}`;
  startUpload(conversationId, file, encrypted, slot);
  return new Promise((resolve, reject) => {
    const stop = effect(() => {
      const u = uploads.value.find((x) => x.slot === slot);
      if (!u || (!u.attachment && !u.error)) return;
      queueMicrotask(() => stop());
      if (u.attachment) {
        queueMessage(conversationId, "", null, takeAttachments(slot), encrypted, threadRootId);
        resolve();
      } else {
        removeUpload(u.key);
        reject(new Error(u.error!));
      }
    });
  });
}
