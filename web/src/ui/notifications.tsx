import { useEffect, useState } from "preact/hooks";
import { fullTime } from "../app/format.ts";
import {
  disablePush,
  enablePush,
  listPushDevices,
  pushState,
  removePushDevice,
  testPushDevice,
  type PushDevice,
} from "../app/push.ts";

/** The profile's "Notifications": turn them on here, and the devices that get them, each testable and removable. */
export function Notifications() {
  const [devices, setDevices] = useState<PushDevice[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = () => listPushDevices().then(setDevices, (e) => setError(e.message));
  useEffect(() => void load(), []);
  const run = (p: Promise<unknown>, done?: string) => {
    setError(null);
    setNote(null);
    return p.then(
      () => {
        if (done) setNote(done);
        return load();
      },
      (e) => setError(e.message),
    );
  };
  const here = devices?.find((d) => d.current) ?? null;
  const state = pushState.value;
  return (
    <section class="notifications" aria-label="Notifications">
      {state === "unsupported" && <p class="hint">This browser cannot show notifications from Parley.</p>}
      {state === "denied" && <p class="hint">Notifications are blocked for this site in the browser's settings.</p>}
      {(state === "off" || (state === "on" && !here)) && (
        <button type="button" onClick={() => run(enablePush(), "Notifications are on for this device.")}>
          Turn on notifications on this device
        </button>
      )}
      {state === "on" && here && (
        <button type="button" onClick={() => run(disablePush(here.id), "Notifications are off for this device.")}>
          Turn off notifications on this device
        </button>
      )}
      {note && (
        <p class="ok" role="status">
          {note}
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {devices && devices.length > 0 && (
        <ul class="sessions" aria-label="Devices that get notifications">
          {devices.map((d) => (
            <li key={d.id}>
              <div>
                <strong>{d.label}</strong>
                {d.current && <span class="badge-label">This device</span>}
                <small class="hint">
                  {d.service} ·{" "}
                  {d.lastSuccessAt ? `last delivered ${fullTime(d.lastSuccessAt)}` : `added ${fullTime(d.createdAt)}`}
                </small>
              </div>
              <span class="row-actions">
                <button
                  type="button"
                  onClick={() => run(testPushDevice(d.id), `A test notification is on its way to ${d.label}.`)}
                >
                  Send a test
                </button>
                <button
                  type="button"
                  aria-label={`Remove ${d.label}`}
                  onClick={() => run(d.current ? disablePush(d.id) : removePushDevice(d.id))}
                >
                  Remove
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
