import { useState } from "preact/hooks";
import { api, type AdminAccountView, type Invite } from "../app/api.ts";
import { fullTime, lastSeenText } from "../app/format.ts";
import { me } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { Form } from "./form.tsx";
import { Menu } from "./menu.tsx";
import { AddressHint, ShareLink } from "./share-link.tsx";
import { useLoad } from "./use-load.tsx";

/** Everyone with an account: found by name, with when they were last here, and what an admin may do. */
export function PeopleTab() {
  const {
    value: users,
    waiting,
    reload,
    fail,
  } = useLoad(() => api<{ users: AdminAccountView[] }>("GET", "/admin/users").then((r) => r.users));
  const [filter, setFilter] = useState("");
  const [link, setLink] = useState<{ name: string; url: string } | null>(null);
  if (!users || waiting) return waiting;
  const patch = (u: AdminAccountView, body: object) => api("PATCH", `/admin/users/${u.id}`, body).then(reload, fail);
  const q = filter.trim().toLowerCase();
  const shown = users.filter(
    (u) => !u.deleted && (!q || u.displayName.toLowerCase().includes(q) || u.username.toLowerCase().includes(q)),
  );
  return (
    <>
      {link && (
        <div class="reset-link">
          <p class="hint">Password-reset link for {link.name}, valid one day. Send it to them yourself.</p>
          <ShareLink url={link.url} label={`Password-reset link for ${link.name}`} />
        </div>
      )}
      <input
        type="search"
        placeholder="Find someone"
        aria-label="Find someone"
        value={filter}
        onInput={(e) => setFilter(e.currentTarget.value)}
      />
      {shown.length === 0 && <p class="hint">Nobody matches.</p>}
      <ul class="people-admin" aria-label="Accounts">
        {shown.map((u) => (
          <li key={u.id}>
            <Avatar person={u} size={36} decorative />
            <div class="who">
              <span class="name">
                <strong>{u.displayName}</strong>
                {u.role === "admin" && <span class="badge-label">Admin</span>}
                {u.deactivated && <span class="badge-label">Deactivated</span>}
              </span>
              <small class="hint">
                @{u.username} · {u.lastSeenAt ? `last active ${lastSeenText(u.lastSeenAt)}` : "not seen yet"}
              </small>
            </div>
            {u.id !== me.value?.id && (
              <Menu
                label={`Actions for ${u.displayName}`}
                entries={[
                  {
                    label: u.role === "admin" ? "Remove admin" : "Make admin",
                    run: () => void patch(u, { role: u.role === "admin" ? "member" : "admin" }),
                  },
                  {
                    label: u.deactivated ? "Reactivate" : "Deactivate",
                    run: () => void patch(u, { deactivated: !u.deactivated }),
                  },
                  {
                    label: "Password-reset link",
                    run: () =>
                      void api<{ url: string }>("POST", `/admin/users/${u.id}/password-reset`).then(
                        (r) => setLink({ name: u.displayName, url: r.url }),
                        fail,
                      ),
                  },
                ]}
              >
                ⋯
              </Menu>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** Invite links: made for one or more people, shown whole with who used them, revoked while they work. */
export function InvitesTab() {
  const {
    value: invites,
    waiting,
    reload,
    fail,
  } = useLoad(() => api<{ invites: Invite[] }>("GET", "/admin/invites").then((r) => r.invites));
  if (!invites || waiting) return waiting;
  return (
    <>
      <Form
        fields={[
          {
            name: "maxUses",
            label: "How many people may use it",
            initial: "1",
            maxLength: 5,
            hint: "1 to 10,000; valid for seven days.",
          },
        ]}
        submit="Create invite link"
        onSubmit={async (v) => {
          await api("POST", "/admin/invites", { maxUses: /^\d+$/.test(v.maxUses!) ? Number(v.maxUses) : v.maxUses });
          reload();
        }}
      />
      {invites[0] && <AddressHint url={invites[0].url} />}
      <ul class="invite-list" aria-label="Invite links">
        {invites.map((i) => (
          <li key={i.code} class={i.usable ? undefined : "spent"}>
            {i.usable ? (
              <ShareLink url={i.url} label={`Invite link ${i.code}`} />
            ) : (
              <code class="spent-code">{i.code}</code>
            )}
            <small class="hint">
              used {i.uses}
              {i.maxUses !== null ? ` of ${i.maxUses}` : ""} ·{" "}
              {i.usable
                ? i.expiresAt
                  ? `until ${fullTime(i.expiresAt)}`
                  : "no expiry"
                : i.revoked
                  ? "revoked"
                  : "no longer usable"}
            </small>
            {i.usedBy.length > 0 && (
              <small class="hint used-by">
                Joined with it: {i.usedBy.map((p) => `${p.displayName} (@${p.username})`).join(", ")}
              </small>
            )}
            {i.usable && (
              <button type="button" onClick={() => api("DELETE", `/admin/invites/${i.code}`).then(reload, fail)}>
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
