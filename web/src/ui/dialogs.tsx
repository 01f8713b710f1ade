import { useEffect, useState } from "preact/hooks";
import { api, type Invite, type Person, type SessionInfo, type User } from "../app/api.ts";
import { createGroup, openDirect } from "../app/chat-commands.ts";
import { fullTime } from "../app/format.ts";
import { instance, me, navigate, signOut } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { AvatarEditor } from "./avatar-editor.tsx";
import { Notifications } from "./notifications.tsx";
import { Passkeys } from "./passkeys.tsx";
import { ExportButton } from "./export-button.tsx";
import { deviceLabel } from "../app/push.ts";
import { Dialog } from "./dialog.tsx";
import { EmailSection } from "./email-section.tsx";
import { AddressHint, ShareLink } from "./share-link.tsx";
import { Form } from "./form.tsx";
import { PeoplePicker } from "./people-picker.tsx";
import { FindPeople } from "./find-people.tsx";
import { confirmAction } from "./confirm.tsx";

export type DialogName = "new-chat" | "new-group" | "profile" | "settings" | "invite" | "search" | "switch" | "admin";

export function NewChatDialog(props: { onClose: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [encrypted, setEncrypted] = useState(false);
  const pick = async (p: Person) => {
    try {
      const c = await openDirect(p.id, encrypted);
      props.onClose();
      navigate(`/c/${c.id}`);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <Dialog title="New chat" onClose={props.onClose}>
      <PeoplePicker onPick={pick} autoFocus label="Who do you want to talk to?" />
      <EncryptedChoice checked={encrypted} onChange={setEncrypted} />
      <FindPeople onPick={pick} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

/** "End-to-end encrypted" for a new chat or group, saying what it means and that it stays. */
function EncryptedChoice(props: { checked: boolean; onChange: (on: boolean) => void }) {
  return (
    <label class="check">
      <input
        type="checkbox"
        name="encrypted"
        checked={props.checked}
        onChange={(e) => props.onChange(e.currentTarget.checked)}
      />
      End-to-end encrypted: only members' devices can read messages, not the server. This cannot be turned off later.
    </label>
  );
}

export function NewGroupDialog(props: { onClose: () => void }) {
  const [chosen, setChosen] = useState<Person[]>([]);
  const [encrypted, setEncrypted] = useState(false);
  return (
    <Dialog title="New group" onClose={props.onClose}>
      <Form
        fields={[{ name: "title", label: "Group name", maxLength: 100 }]}
        submit="Create group"
        onSubmit={async (v) => {
          const c = await createGroup(
            v.title!,
            chosen.map((p) => p.id),
            encrypted,
          );
          props.onClose();
          navigate(`/c/${c.id}`);
        }}
        before={
          <>
            <PeoplePicker
              label="Add members"
              exclude={chosen.map((p) => p.id)}
              onPick={(p) => setChosen([...chosen, p])}
            />
            {chosen.length > 0 && (
              <ul class="chips" aria-label="Members to add">
                {chosen.map((p) => (
                  <li key={p.id}>
                    <Avatar person={p} size={22} decorative />
                    {p.displayName}
                    <button
                      type="button"
                      class="icon"
                      aria-label={`Remove ${p.displayName}`}
                      onClick={() => setChosen(chosen.filter((x) => x.id !== p.id))}
                    >
                      ✕
                    </button>
                  </li>
                ))}
              </ul>
            )}
            <p class="hint">You can add more people later, or share an invite link from Group info.</p>
            <EncryptedChoice checked={encrypted} onChange={setEncrypted} />
          </>
        }
      />
    </Dialog>
  );
}

export function ProfileDialog(props: { onClose: () => void }) {
  const user = me.value!;
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <Dialog title="Your profile" onClose={props.onClose} wide>
      <div class="profile-head">
        <div>
          <strong>{user.displayName}</strong>
          <small class="hint">@{user.username}</small>
        </div>
      </div>
      <AvatarEditor
        current={<Avatar person={user} size={56} decorative />}
        hasPicture={Boolean(user.avatarUrl)}
        path="/me/avatar"
        label="Choose your picture"
        onSaved={(body: { user: User }) => (me.value = body.user)}
      />
      <Form
        fields={[
          { name: "displayName", label: "Your name", initial: user.displayName, maxLength: 64 },
          { name: "bio", label: "About you", initial: user.bio, required: false, maxLength: 500 },
        ]}
        submit="Save profile"
        onSubmit={async (v) => {
          setSaved(null);
          me.value = (await api<{ user: User }>("PATCH", "/me", v)).user;
          setSaved("Profile saved.");
        }}
      >
        {saved && (
          <p class="ok" role="status">
            {saved}
          </p>
        )}
      </Form>
      <h3>Email</h3>
      <EmailSection />
      <h3>Passkeys</h3>
      <Passkeys />
      <h3>{user.hasPassword ? "Change password" : "Set a password"}</h3>
      <PasswordForm />
      <h3>Notifications</h3>
      <Notifications />
      <h3>Where you are signed in</h3>
      <Sessions />
      <h3>Your data</h3>
      <ExportButton path="/me/export" label="Export my data" />
      <DeleteAccount />
    </Dialog>
  );
}

/** Deleting the account: confirmed with the password, or with the username when there is none. */
function DeleteAccount() {
  const user = me.value!;
  return (
    <details class="section danger-zone">
      <summary>Delete my account</summary>
      <p class="hint">
        Your profile, sign-in data and devices are erased and you leave every group. Messages you sent stay with the
        people who got them, from "Deleted user".
      </p>
      <Form
        fields={[
          user.hasPassword
            ? { name: "password", label: "Your password", type: "password", autocomplete: "current-password" }
            : { name: "password", label: `Type your username (${user.username}) to confirm`, autocomplete: "off" },
        ]}
        submit="Delete my account for good"
        onSubmit={async (v) => {
          const ok = await confirmAction({
            title: "Delete your account?",
            text: "This cannot be undone.",
            action: "Delete my account",
          });
          if (!ok) return;
          await api("DELETE", "/me", { password: v.password });
          await signOut().catch(() => {});
        }}
      />
    </details>
  );
}

function PasswordForm() {
  const [done, setDone] = useState(false);
  const has = me.value?.hasPassword ?? true;
  const newPassword = {
    name: "newPassword",
    label: "New password",
    type: "password" as const,
    autocomplete: "new-password",
    minLength: instance.value?.passwordMinLength ?? 8,
    maxLength: 256,
  };
  return (
    <Form
      key={String(has)}
      fields={
        has
          ? [
              {
                name: "currentPassword",
                label: "Current password",
                type: "password",
                autocomplete: "current-password",
              },
              newPassword,
            ]
          : [newPassword]
      }
      submit={has ? "Change password" : "Set password"}
      onSubmit={async (v) => {
        setDone(false);
        await api("POST", "/me/password", v);
        if (!has) me.value = { ...me.value!, hasPassword: true };
        setDone(true);
      }}
    >
      {done && (
        <p class="ok" role="status">
          {has
            ? "Password changed. Your other devices were signed out."
            : "Password set. Your other devices were signed out."}
        </p>
      )}
    </Form>
  );
}

function Sessions() {
  const [list, setList] = useState<SessionInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () =>
    api<{ sessions: SessionInfo[] }>("GET", "/me/sessions").then(
      (r) => setList(r.sessions),
      (e) => setError(e.message),
    );
  useEffect(() => void load(), []);
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (!list) return <p class="hint">Loading…</p>;
  return (
    <ul class="sessions">
      {list.map((s) => (
        <li key={s.id}>
          <div>
            <strong>{describeAgent(s.userAgent)}</strong>
            {s.current && <span class="badge-label">This device</span>}
            <small class="hint">
              {s.ip || "unknown address"} · last used {fullTime(s.lastUsedAt)}
            </small>
          </div>
          {!s.current && (
            <button
              type="button"
              onClick={() =>
                api("DELETE", `/me/sessions/${encodeURIComponent(s.id)}`).then(load, (e) => setError(e.message))
              }
            >
              Sign out
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

function describeAgent(ua: string): string {
  return ua ? deviceLabel(ua) : "Unknown device";
}

export function InviteDialog(props: { onClose: () => void }) {
  const [invite, setInvite] = useState<Invite | null>(null);
  return (
    <Dialog title="Invite someone" onClose={props.onClose}>
      <p class="hint">A link for one person, valid for seven days. They choose their name and password.</p>
      {invite ? (
        <>
          <ShareLink url={invite.url} label="Invite link" qr />
          <AddressHint url={invite.url} />
          <p class="hint">Send it by message or email, or let them scan the code with their phone's camera.</p>
          <button type="button" onClick={() => setInvite(null)}>
            Another link
          </button>
        </>
      ) : (
        <Form
          fields={[]}
          submit="Create invite link"
          onSubmit={async () => setInvite((await api<{ invite: Invite }>("POST", "/admin/invites", {})).invite)}
        />
      )}
    </Dialog>
  );
}
