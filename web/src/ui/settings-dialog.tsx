import { useState } from "preact/hooks";
import { api, type User } from "../app/api.ts";
import { keepTimeZone } from "../app/local-time.ts";
import { messageSound, unreadFirst } from "../app/preferences.ts";
import { me } from "../app/state.ts";
import { theme, type Theme } from "../app/theme.ts";
import { Dialog } from "./dialog.tsx";
import { lazy } from "./lazy.tsx";

/** Settings: privacy (kept on the server), encryption, what this device does, and the theme. */
export function SettingsDialog(props: { onClose: () => void }) {
  const options: { value: Theme; label: string }[] = [
    { value: "system", label: "Same as the system" },
    { value: "light", label: "Light" },
    { value: "dark", label: "Dark" },
  ];
  return (
    <Dialog title="Settings" onClose={props.onClose}>
      <Privacy />
      <Encryption />
      <fieldset class="choices">
        <legend>On this device</legend>
        <label>
          <input
            type="checkbox"
            checked={messageSound.value}
            onChange={(e) => (messageSound.value = e.currentTarget.checked)}
          />
          Play a sound when a message comes in (for chats I am not looking at, as their notifications say)
        </label>
        <label>
          <input
            type="checkbox"
            checked={unreadFirst.value}
            onChange={(e) => (unreadFirst.value = e.currentTarget.checked)}
          />
          Unread conversations first
        </label>
      </fieldset>
      <fieldset class="choices">
        <legend>Theme</legend>
        {options.map((o) => (
          <label key={o.value}>
            <input
              type="radio"
              name="theme"
              value={o.value}
              checked={theme.value === o.value}
              onChange={() => (theme.value = o.value)}
            />
            {o.label}
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}

// The encryption code loads only when someone opens this section.
const EncryptionSettings = lazy(() => import("./encryption-settings.tsx").then((m) => m.EncryptionSettings));

function Encryption() {
  const [open, setOpen] = useState(false);
  return (
    <details class="choices" onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>End-to-end encryption</summary>
      {open && <EncryptionSettings />}
    </details>
  );
}

function Privacy() {
  const user = me.value!;
  const [error, setError] = useState<string | null>(null);
  // The box shows the choice at once: an unrelated update of me meanwhile (a profile frame) must not undo
  // the tick while the server is asked. A refusal puts it back.
  const set = (patch: Partial<User>) => {
    const before = me.value!;
    me.value = { ...before, ...patch };
    return api<{ user: User }>("PATCH", "/me", patch).then(
      (r) => ((me.value = r.user), setError(null)),
      (e) => ((me.value = before), setError(e.message)),
    );
  };
  return (
    <fieldset class="choices">
      <legend>Privacy</legend>
      <label>
        <input
          type="checkbox"
          checked={!user.hideLastSeen}
          onChange={(e) => void set({ hideLastSeen: !e.currentTarget.checked })}
        />
        Show when I was last online
      </label>
      <label>
        <input
          type="checkbox"
          checked={user.sendReadReceipts !== false}
          onChange={(e) => void set({ sendReadReceipts: e.currentTarget.checked })}
        />
        Send read receipts (when off, I see nobody's either)
      </label>
      <label>
        <input
          type="checkbox"
          checked={user.discoverable !== false}
          onChange={(e) => void set({ discoverable: e.currentTarget.checked })}
        />
        Let people find me by name (when off, only by my exact username)
      </label>
      <label>
        <input
          type="checkbox"
          checked={user.shareLocalTime !== false}
          onChange={async (e) => {
            await set({ shareLocalTime: e.currentTarget.checked });
            // Back on: this browser's zone, if the kept one is another.
            const changed = me.value && (await keepTimeZone(me.value));
            if (changed) me.value = changed;
          }}
        />
        Show my local time on my profile
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
