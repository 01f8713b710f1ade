import { useEffect, useState } from "preact/hooks";
import { myCall, speakerId, useDevice } from "../app/calls.ts";

/** Which microphone, camera and speaker the call uses, among this device's. */
export function CallDevices() {
  const [devices, setDevices] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    const load = () => void navigator.mediaDevices.enumerateDevices().then(setDevices, () => {});
    load();
    navigator.mediaDevices.addEventListener("devicechange", load);
    return () => navigator.mediaDevices.removeEventListener("devicechange", load);
  }, []);
  const mine = myCall.value;
  if (!mine?.local) return null;
  const current = (kind: "audio" | "video") =>
    (kind === "audio" ? mine.local!.getAudioTracks() : mine.local!.getVideoTracks())[0]?.getSettings().deviceId ?? "";
  const pick = (kind: MediaDeviceKind, label: string, value: string, onChange: (id: string) => void) => {
    const list = devices.filter((d) => d.kind === kind);
    if (list.length === 0) return null;
    return (
      <label class="field">
        <span>{label}</span>
        <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
          {kind === "audiooutput" && <option value="">The system's</option>}
          {list.map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `${label} ${i + 1}`}
            </option>
          ))}
        </select>
      </label>
    );
  };
  const canChooseSpeaker = "setSinkId" in HTMLMediaElement.prototype;
  return (
    <div class="call-devices">
      {pick("audioinput", "Microphone", current("audio"), (id) => void useDevice("audioinput", id))}
      {mine.local.getVideoTracks().length > 0 &&
        pick("videoinput", "Camera", current("video"), (id) => void useDevice("videoinput", id))}
      {canChooseSpeaker && pick("audiooutput", "Speaker", speakerId.value, (id) => (speakerId.value = id))}
    </div>
  );
}
