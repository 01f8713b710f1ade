// Settings › Encryption: my devices (this one marked, others removable) and the key backup (set up, or a
// recovery key typed in to read earlier messages on this device).
import { useState } from "preact/hooks";
import { api, ApiError } from "../app/api.ts";
import type { DeviceView } from "../../../src/protocol/views.ts";
import { conversations } from "../app/chats.ts";
import { protectWithPasskey, setUpBackup, thisDevice, unlockWithPasskey, useRecoveryKey } from "../app/e2ee.ts";
import { fullTime } from "../app/format.ts";
import { confirmAction } from "./confirm.tsx";
import { useLoad } from "./use-load.tsx";

async function load() {
  const [{ devices }, device, backup] = await Promise.all([
    api<{ devices: DeviceView[] }>("GET", "/e2ee/devices"),
    thisDevice(),
    api<{ backup: { wrapped: Record<string, string> } }>("GET", "/e2ee/backup").then(
      (r) => r.backup,
      (e) => (e instanceof ApiError && e.code === "BACKUP_NOT_FOUND" ? null : Promise.reject(e)),
    ),
  ]);
  return { devices, device, backup };
}

export function EncryptionSettings() {
  const { value, waiting, reload, fail } = useLoad(load);
  const [recovery, setRecovery] = useState<string | null>(null);
  const [typed, setTyped] = useState("");
  const [note, setNote] = useState<string | null>(null);
  if (waiting) return waiting;
  const { devices, device, backup } = value!;
  const encrypted = [...conversations.value.values()].filter((c) => c.encryptedAt).map((c) => c.id);
  const remove = (d: DeviceView) =>
    void confirmAction({
      title: `Remove ${d.name}?`,
      text: "It will no longer read new messages in encrypted conversations. The people in them will see that your devices changed.",
      action: "Remove",
    }).then((ok) => (ok ? api("DELETE", `/e2ee/devices/${d.id}`).then(reload, fail) : undefined));
  return (
    <>
      <h3>Your devices</h3>
      <ul class="devices" aria-label="Your devices">
        {devices.map((d) => (
          <li key={d.id}>
            <strong>{d.name}</strong> <small class="hint">since {fullTime(d.createdAt)}</small>{" "}
            {d.id === device.id ? (
              <small class="hint">(this device)</small>
            ) : (
              <button type="button" class="link" onClick={() => remove(d)}>
                Remove
              </button>
            )}
          </li>
        ))}
      </ul>
      <h3>Key backup</h3>
      {recovery ? (
        <>
          <p>Your recovery key. Keep it somewhere safe: it opens your earlier messages on a new device.</p>
          <p class="recovery-key" aria-label="Recovery key">
            {recovery}
          </p>
          <button
            type="button"
            onClick={() => void navigator.clipboard.writeText(recovery).then(() => setNote("Copied."))}
          >
            Copy
          </button>
        </>
      ) : device.hasBackupKey ? (
        <>
          <p class="hint">This device keeps your encrypted messages in your key backup.</p>
          <button
            type="button"
            onClick={() =>
              void protectWithPasskey().then(
                () => (setNote("Your passkey can now unlock your backup on a new device."), reload()),
                (err: Error) => setNote(err.message),
              )
            }
          >
            Let a passkey unlock it too
          </button>
        </>
      ) : backup ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setNote(null);
            useRecoveryKey(typed, encrypted).then(
              () => (setNote("Your earlier messages are readable on this device."), reload()),
              (err: Error) => setNote(err.message),
            );
          }}
        >
          <label>
            Recovery key
            <input
              value={typed}
              onInput={(e) => setTyped(e.currentTarget.value)}
              autoComplete="off"
              spellcheck={false}
            />
          </label>
          <button type="submit" class="primary">
            Read earlier messages
          </button>
          {Object.keys(backup.wrapped).some((k) => k.startsWith("prf:")) && (
            <button
              type="button"
              onClick={() =>
                void unlockWithPasskey(encrypted).then(
                  () => (setNote("Your earlier messages are readable on this device."), reload()),
                  (err: Error) => setNote(err.message),
                )
              }
            >
              Unlock with a passkey
            </button>
          )}
        </form>
      ) : (
        <>
          <p class="hint">
            Without a backup, a new device of yours reads encrypted messages only from the moment it joins.
          </p>
          <button type="button" class="primary" onClick={() => void setUpBackup().then(setRecovery, fail)}>
            Set up key backup
          </button>
        </>
      )}
      {note && <p role="status">{note}</p>}
    </>
  );
}
