import { useEffect, useState } from "preact/hooks";
import {
  api,
  type AdjustableRight,
  type Conversation,
  type GroupInvite,
  type Member,
  type Message,
  type Role,
} from "../app/api.ts";
import { changeConversation, deleteConversation, leaveConversation, setPinned } from "../app/chat-commands.ts";
import { previewText } from "../app/markdown.ts";
import { me, navigate } from "../app/state.ts";
import { Avatar, GroupAvatar } from "./avatar.tsx";
import { AvatarEditor } from "./avatar-editor.tsx";
import { Dialog } from "./dialog.tsx";
import { Form } from "./form.tsx";
import { PeoplePicker } from "./people-picker.tsx";
import { ShareLink } from "./share-link.tsx";
import { confirmAction } from "./confirm.tsx";

const roleLabel: Record<Role, string> = { owner: "Owner", admin: "Admin", member: "Member" };
const rank: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** Everything about a group: its name, members and their roles, links, rights, pins; leave or delete. */
export function GroupPanel(props: { c: Conversation; onClose: () => void }) {
  const { c } = props;
  const [error, setError] = useState<string | null>(null);
  const run = (p: Promise<unknown>) =>
    p.then(
      () => setError(null),
      (err) => setError(err.message),
    );
  return (
    <Dialog title="Group info" onClose={props.onClose} wide>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {c.can.editInfo ? (
        <AvatarEditor
          current={<GroupAvatar id={c.id} title={c.title ?? ""} avatarUrl={c.avatarUrl} size={56} />}
          hasPicture={Boolean(c.avatarUrl)}
          path={`/conversations/${c.id}/avatar`}
          label="Choose the group's picture"
          onSaved={() => {}}
        />
      ) : (
        <GroupAvatar id={c.id} title={c.title ?? ""} avatarUrl={c.avatarUrl} size={56} />
      )}
      {c.can.editInfo ? (
        <Form
          fields={[
            { name: "title", label: "Group name", initial: c.title ?? "", maxLength: 100 },
            { name: "description", label: "Description", initial: c.description, required: false, maxLength: 1000 },
          ]}
          submit="Save"
          onSubmit={(v) => changeConversation(c.id, "PATCH", "", v)}
        />
      ) : (
        <p class="hint">{c.description || "No description."}</p>
      )}
      <h3>{c.members.length} members</h3>
      <ul class="members">
        {c.members.map((m) => (
          <MemberRow key={m.user.id} c={c} m={m} run={run} />
        ))}
      </ul>
      {c.can.addMembers && (
        <details class="section">
          <summary>Add people</summary>
          <PeoplePicker
            label="Add a member"
            exclude={c.members.map((m) => m.user.id)}
            onPick={(p) => run(changeConversation(c.id, "POST", "/members", { userId: p.id }))}
          />
        </details>
      )}
      {c.can.addMembers && <InviteLinks c={c} />}
      {c.can.changePermissions && <Rights c={c} run={run} />}
      <Pins c={c} />
      <div class="danger">
        <button
          type="button"
          onClick={() =>
            void confirmAction({
              title: "Leave this group?",
              text: c.myRole === "owner" ? "Someone else will become its owner." : undefined,
              action: "Leave group",
            }).then((ok) => void (ok && run(leaveConversation(c.id).then(() => navigate("/")))))
          }
        >
          Leave group
        </button>
        {c.can.deleteGroup && (
          <button
            type="button"
            class="destructive"
            onClick={() =>
              void confirmAction({
                title: "Delete this group?",
                text: "All its messages and files go, for everyone. This cannot be undone.",
                action: "Delete group",
              }).then((ok) => void (ok && run(deleteConversation(c.id).then(() => navigate("/")))))
            }
          >
            Delete group
          </button>
        )}
      </div>
    </Dialog>
  );
}

function MemberRow(props: { c: Conversation; m: Member; run: (p: Promise<unknown>) => void }) {
  const { c, m, run } = props;
  const mine = c.myRole;
  const self = m.user.id === me.value?.id;
  const sub = `/members/${encodeURIComponent(m.user.id)}`;
  return (
    <li>
      <Avatar person={m.user} size={32} decorative />
      <span class="member-name">
        <strong>{m.user.displayName}</strong> <small class="hint">@{m.user.username}</small>
      </span>
      {m.role !== "member" && <span class="badge-label">{roleLabel[m.role]}</span>}
      {!self && (
        <span class="member-actions">
          {c.can.manageRoles && m.role === "member" && (
            <button type="button" onClick={() => run(changeConversation(c.id, "PATCH", sub, { role: "admin" }))}>
              Make admin
            </button>
          )}
          {c.can.manageRoles && m.role === "admin" && (
            <button type="button" onClick={() => run(changeConversation(c.id, "PATCH", sub, { role: "member" }))}>
              Remove admin
            </button>
          )}
          {c.can.transferOwnership && (
            <button
              type="button"
              onClick={() =>
                void confirmAction({
                  title: `Make ${m.user.displayName} the owner?`,
                  text: "You will be an admin of the group.",
                  action: "Make owner",
                }).then((ok) => void (ok && run(changeConversation(c.id, "POST", "/transfer", { userId: m.user.id }))))
              }
            >
              Make owner
            </button>
          )}
          {c.can.removeMembers && rank[mine] > rank[m.role] && (
            <button
              type="button"
              onClick={() =>
                void confirmAction({ title: `Remove ${m.user.displayName} from the group?`, action: "Remove" }).then(
                  (ok) => void (ok && run(changeConversation(c.id, "DELETE", sub))),
                )
              }
            >
              Remove
            </button>
          )}
        </span>
      )}
    </li>
  );
}

function InviteLinks(props: { c: Conversation }) {
  const { c } = props;
  const [links, setLinks] = useState<GroupInvite[]>([]);
  const base = `/conversations/${encodeURIComponent(c.id)}/invites`;
  const load = () => api<{ invites: GroupInvite[] }>("GET", base).then((r) => setLinks(r.invites));
  useEffect(() => void load().catch(() => {}), [c.id]);
  return (
    <details class="section">
      <summary>Invite links</summary>
      <Form
        fields={[
          { name: "maxUses", label: "How many people may use it (empty: no limit)", required: false, maxLength: 5 },
        ]}
        submit="Create link"
        onSubmit={async (v) => {
          const maxUses = v.maxUses ? Number(v.maxUses) : null;
          await api("POST", base, { maxUses, expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() });
          await load();
        }}
      />
      <ul class="links-list">
        {links
          .filter((l) => l.usable)
          .map((l) => (
            <li key={l.code}>
              <ShareLink url={l.url} label="Group invite link" />
              <small class="hint">{l.maxUses ? `${l.uses} of ${l.maxUses} used` : `${l.uses} used`}</small>
              <button type="button" onClick={() => api("DELETE", `${base}/${l.code}`).then(load)}>
                Revoke
              </button>
            </li>
          ))}
      </ul>
    </details>
  );
}

const rights: [AdjustableRight, string][] = [
  ["post", "Send messages"],
  ["addMembers", "Add members and make invite links"],
  ["removeMembers", "Remove members"],
  ["editInfo", "Change name and description"],
  ["pin", "Pin messages"],
  ["deleteOthers", "Delete others' messages"],
  ["mentionEveryone", "Mention @everyone"],
  ["startCalls", "Start calls"],
];

function Rights(props: { c: Conversation; run: (p: Promise<unknown>) => void }) {
  const { c, run } = props;
  const put = (body: unknown) => run(changeConversation(c.id, "PUT", "/permissions", body));
  return (
    <details class="section">
      <summary>Rights</summary>
      <p>
        <button type="button" onClick={() => put({ preset: "default" })}>
          Everyone talks
        </button>{" "}
        <button type="button" onClick={() => put({ preset: "announcements" })}>
          Announcements: only admins post
        </button>
      </p>
      <table class="rights">
        <tbody>
          {rights.map(([key, label]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td>
                <select
                  aria-label={label}
                  value={c.permissions[key]}
                  onChange={(e) => put({ permissions: { [key]: e.currentTarget.value } })}
                >
                  <option value="member">Everyone</option>
                  <option value="admin">Admins</option>
                  <option value="owner">Only the owner</option>
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

function Pins(props: { c: Conversation }) {
  const { c } = props;
  const [pins, setPins] = useState<Message[]>([]);
  const load = () =>
    api<{ messages: Message[] }>("GET", `/conversations/${encodeURIComponent(c.id)}/pins`).then((r) =>
      setPins(r.messages),
    );
  useEffect(() => void load().catch(() => {}), [c.id]);
  if (pins.length === 0) return null;
  return (
    <>
      <h3>Pinned</h3>
      <ul class="pins">
        {pins.map((m) => (
          <li key={m.id}>
            <strong>{m.sender.displayName}</strong> {previewText(m.text).slice(0, 140)}
            {c.can.pin && (
              <button type="button" class="icon" aria-label="Unpin" onClick={() => setPinned(m, false).then(load)}>
                ✕
              </button>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
