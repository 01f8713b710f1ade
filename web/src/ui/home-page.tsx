import { useState } from "preact/hooks";
import { api, type Invite, type User } from "../app/api.ts";
import { instance, me, signOut } from "../app/state.ts";
import { Form } from "./form.tsx";

function ProfileSection({ user }: { user: User }) {
  const [saved, setSaved] = useState(false);
  return (
    <section>
      <h2>Your profile</h2>
      <Form
        fields={[
          { name: "displayName", label: "Your name", initial: user.displayName, maxLength: 64 },
          { name: "bio", label: "About you", initial: user.bio, required: false, maxLength: 500 },
        ]}
        submit="Save profile"
        onSubmit={async (v) => {
          setSaved(false);
          me.value = (await api<{ user: User }>("PATCH", "/me", v)).user;
          setSaved(true);
        }}
      >
        {saved && <p class="ok" role="status">Saved.</p>}
      </Form>
    </section>
  );
}

function InviteSection() {
  const [invite, setInvite] = useState<Invite | null>(null);
  return (
    <section>
      <h2>Invite someone</h2>
      <p class="hint">A link for one person, valid for seven days.</p>
      <Form fields={[]} submit="Create invite link" onSubmit={async () => setInvite((await api<{ invite: Invite }>("POST", "/admin/invites", {})).invite)}>
        {invite && (
          <p class="invite">
            <input readOnly value={invite.url} aria-label="Invite link" onFocus={(e) => e.currentTarget.select()} />
          </p>
        )}
      </Form>
    </section>
  );
}

export function HomePage() {
  const user = me.value!;
  return (
    <main class="card wide">
      <header class="bar">
        <div>
          <h1>{instance.value?.name ?? "Parley"}</h1>
          <p class="subtitle">
            Signed in as <strong>{user.displayName}</strong> (@{user.username})
          </p>
        </div>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <ProfileSection user={user} />
      {user.role === "admin" && <InviteSection />}
    </main>
  );
}
