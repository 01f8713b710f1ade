import { useEffect, useState } from "preact/hooks";
import { fullTime } from "../app/format.ts";
import {
  addPasskey,
  listPasskeys,
  passkeysSupported,
  removePasskey,
  removePassword,
  renamePasskey,
  type Passkey,
} from "../app/passkeys.ts";
import { deviceLabel } from "../app/push.ts";
import { me } from "../app/state.ts";
import { Form } from "./form.tsx";
import { confirmAction } from "./confirm.tsx";

/** The profile's passkeys: add one for this device, rename or remove them, and drop the password if wanted. */
export function Passkeys() {
  const [list, setList] = useState<Passkey[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  const load = () => listPasskeys().then(setList, (e) => setError(e.message));
  useEffect(() => void load(), []);
  const run = (p: Promise<unknown>) => {
    setError(null);
    return p.then(load, (e) => setError(e.message));
  };
  const user = me.value!;
  return (
    <section class="passkeys" aria-label="Passkeys">
      <p class="hint">Sign in with your fingerprint, face or device PIN instead of typing a password.</p>
      {passkeysSupported() ? (
        <button type="button" onClick={() => run(addPasskey(deviceLabel()))}>
          Add a passkey
        </button>
      ) : (
        <p class="hint">This browser does not support passkeys.</p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {list && list.length > 0 && (
        <ul class="sessions" aria-label="Your passkeys">
          {list.map((p) => (
            <li key={p.id}>
              {renaming === p.id ? (
                <Form
                  fields={[{ name: "name", label: `New name for ${p.name}`, initial: p.name, maxLength: 64 }]}
                  submit="Save name"
                  onSubmit={async (v) => {
                    await renamePasskey(p.id, v.name!);
                    setRenaming(null);
                    await load();
                  }}
                />
              ) : (
                <>
                  <div>
                    <strong>{p.name}</strong>
                    {p.backedUp && <span class="badge-label">Synced</span>}
                    <small class="hint">
                      added {fullTime(p.createdAt)}
                      {p.lastUsedAt ? ` · last used ${fullTime(p.lastUsedAt)}` : ""}
                    </small>
                  </div>
                  <span class="row-actions">
                    <button type="button" aria-label={`Rename ${p.name}`} onClick={() => setRenaming(p.id)}>
                      Rename
                    </button>
                    <button
                      type="button"
                      aria-label={`Remove ${p.name}`}
                      onClick={() =>
                        void confirmAction({ title: `Remove the passkey "${p.name}"?`, action: "Remove" }).then(
                          (ok) => void (ok && run(removePasskey(p.id))),
                        )
                      }
                    >
                      Remove
                    </button>
                  </span>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {user.hasPassword && list && list.length > 0 && !dropping && (
        <button type="button" onClick={() => setDropping(true)}>
          Sign in with passkeys only (remove my password)
        </button>
      )}
      {dropping && (
        <Form
          fields={[
            {
              name: "currentPassword",
              label: "Your current password",
              type: "password",
              autocomplete: "current-password",
            },
          ]}
          submit="Remove my password"
          onSubmit={async (v) => {
            me.value = await removePassword(v.currentPassword!);
            setDropping(false);
          }}
        />
      )}
      {!user.hasPassword && (
        <p class="hint">You sign in with passkeys only. Set a password below to have another way in.</p>
      )}
    </section>
  );
}
