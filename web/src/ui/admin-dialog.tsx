import { useState } from "preact/hooks";
import { api } from "../app/api.ts";
import { fullTime } from "../app/format.ts";
import { instance } from "../app/state.ts";
import { formatSize } from "../app/uploads.ts";
import { AvatarEditor } from "./avatar-editor.tsx";
import { Dialog } from "./dialog.tsx";
import { ExportButton } from "./export-button.tsx";
import { Form } from "./form.tsx";
import { InvitesTab, PeopleTab } from "./admin-people.tsx";
import { ImportTab } from "./admin-import.tsx";
import { useLoad } from "./use-load.tsx";
import { confirmAction } from "./confirm.tsx";

interface Limits {
  maxUploadBytes: number;
  userQuotaBytes: number;
  storage: "local" | "s3";
  sessionTtlDays: number;
  passwordMinLength: number;
  pushPrivate: boolean;
  unsentUploadTtlSeconds: number;
}
interface GroupRow {
  id: string;
  title: string;
  memberCount: number;
  owner: { displayName: string } | null;
  archived: boolean;
  createdAt: string;
}

type Tab = "server" | "people" | "invites" | "groups" | "import";

/** The admin area: the server's name, logo and registration, its people, invites and groups, and imports. */
export function AdminDialog(props: { onClose: () => void }) {
  const [tab, setTab] = useState<Tab>("server");
  const tabs: [Tab, string][] = [
    ["server", "Server"],
    ["people", "People"],
    ["invites", "Invites"],
    ["groups", "Groups"],
    ["import", "Import"],
  ];
  return (
    <Dialog title="Administration" onClose={props.onClose} wide>
      <div class="tabs" role="tablist" aria-label="Administration">
        {tabs.map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" aria-label={tabs.find((t) => t[0] === tab)![1]}>
        {tab === "server" && <ServerTab />}
        {tab === "people" && <PeopleTab />}
        {tab === "invites" && <InvitesTab />}
        {tab === "groups" && <GroupsTab />}
        {tab === "import" && <ImportTab />}
      </div>
    </Dialog>
  );
}

function ServerTab() {
  const {
    value: data,
    waiting,
    reload,
    fail,
  } = useLoad(() =>
    api<{ settings: { instanceName: string; registrationMode: "open" | "invite" | "closed" }; limits: Limits }>(
      "GET",
      "/admin/settings",
    ),
  );
  const [saved, setSaved] = useState(false);
  if (!data || waiting) return waiting;
  const refreshInstance = () => api<any>("GET", "/instance").then((i) => (instance.value = i));
  const setMode = (registrationMode: string) =>
    api("PATCH", "/admin/settings", { registrationMode }).then(() => (reload(), refreshInstance()), fail);
  const logo = instance.value?.logoUrl ?? null;
  return (
    <>
      <AvatarEditor
        current={
          logo ? (
            <img class="avatar group" src={logo} alt="" style={{ width: "56px", height: "56px" }} />
          ) : (
            <span class="avatar group logo-placeholder">🗨️</span>
          )
        }
        hasPicture={Boolean(logo)}
        path="/admin/logo"
        label="Choose the server's logo"
        onSaved={() => void refreshInstance()}
      />
      <Form
        fields={[{ name: "instanceName", label: "Server name", initial: data.settings.instanceName, maxLength: 64 }]}
        submit="Save name"
        onSubmit={async (v) => {
          setSaved(false);
          await api("PATCH", "/admin/settings", { instanceName: v.instanceName });
          await refreshInstance();
          setSaved(true);
        }}
      >
        {saved && (
          <p class="ok" role="status">
            Saved.
          </p>
        )}
      </Form>
      <fieldset class="choices">
        <legend>Who may create an account</legend>
        {(
          [
            ["invite", "People with an invite link"],
            ["open", "Anyone who can reach this server"],
            ["closed", "Nobody (admins add people)"],
          ] as const
        ).map(([mode, label]) => (
          <label key={mode}>
            <input
              type="radio"
              name="registrationMode"
              value={mode}
              checked={data.settings.registrationMode === mode}
              onChange={() => void setMode(mode)}
            />
            {label}
          </label>
        ))}
      </fieldset>
      <h3>Limits</h3>
      <p class="hint">Set when Parley starts (PARLEY_* settings, docs/configuration.md).</p>
      <dl class="limits">
        <dt>Largest file</dt>
        <dd>{formatSize(data.limits.maxUploadBytes)}</dd>
        <dt>Storage per person</dt>
        <dd>{formatSize(data.limits.userQuotaBytes)}</dd>
        <dt>Files kept in</dt>
        <dd>{data.limits.storage === "s3" ? "an S3 bucket" : "the data folder"}</dd>
        <dt>Sessions last</dt>
        <dd>{data.limits.sessionTtlDays} days unused</dd>
        <dt>Shortest password</dt>
        <dd>{data.limits.passwordMinLength} characters</dd>
        <dt>Notifications</dt>
        <dd>{data.limits.pushPrivate ? "private (no names or words)" : "with sender and text"}</dd>
      </dl>
      <h3>Export</h3>
      <p class="hint">Everything on this server: people (without passwords), conversations, messages and files.</p>
      <ExportButton path="/admin/export" label="Export everything" />
    </>
  );
}

function GroupsTab() {
  const {
    value: groups,
    waiting,
    reload,
    fail,
  } = useLoad(() => api<{ groups: GroupRow[] }>("GET", "/admin/groups").then((r) => r.groups));
  if (!groups || waiting) return waiting;
  if (groups.length === 0) return <p class="hint">No groups yet.</p>;
  return (
    <ul class="sessions" aria-label="Groups">
      {groups.map((g) => (
        <li key={g.id}>
          <div>
            <strong>{g.title}</strong>
            {g.archived && <span class="badge-label">Archived</span>}
            <small class="hint">
              {g.memberCount} members{g.owner ? ` · owner ${g.owner.displayName}` : ""} · created{" "}
              {fullTime(g.createdAt)}
            </small>
          </div>
          <span class="row-actions">
            <button
              type="button"
              onClick={() =>
                void confirmAction({
                  title: `Delete the group "${g.title}"?`,
                  text: "All its messages and files go, for everyone. This cannot be undone.",
                  action: "Delete group",
                }).then((ok) => void (ok && api("DELETE", `/conversations/${g.id}`).then(reload, fail)))
              }
            >
              Delete
            </button>
          </span>
        </li>
      ))}
    </ul>
  );
}
