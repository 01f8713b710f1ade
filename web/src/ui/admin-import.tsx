// The admin area's import from Slack: choose the export's zip, and read what came over, what was left out
// and why, and each new person's link to choose a password.
import { useState } from "preact/hooks";
import type { SlackImportReport } from "../../../src/protocol/imports.ts";
import { ShareLink } from "./share-link.tsx";

export function ImportTab() {
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<SlackImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (file: File) => {
    setBusy(true);
    setError(null);
    setReport(null);
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const res = await fetch("/api/v1/admin/imports/slack", {
        method: "POST",
        body: form,
        credentials: "same-origin",
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) throw new Error(body?.error?.message ?? `The server answered ${res.status}.`);
      setReport(body.report);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p class="hint">
        Bring a Slack workspace in from its export (Slack: Workspace settings → Import/Export Data → Export). People
        come in as accounts, each with a link to choose a password; public channels become groups; messages keep their
        authors and times, with threads, reactions and the files the export holds. Importing the same workspace again
        adds only what is new.
      </p>
      <label class="file-pick">
        <span>Slack export (.zip)</span>
        <input
          type="file"
          accept=".zip,application/zip"
          disabled={busy}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = "";
            if (f) void run(f);
          }}
        />
      </label>
      {busy && (
        <p class="hint" role="status">
          Importing… large workspaces take a while.
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {report && <ImportReport report={report} />}
    </>
  );
}

function Reasons(props: { skipped: Record<string, number> }) {
  const list = Object.entries(props.skipped);
  if (list.length === 0) return null;
  return (
    <ul class="reasons">
      {list.map(([why, n]) => (
        <li key={why}>
          {n} left out: {why}
        </li>
      ))}
    </ul>
  );
}

function ImportReport(props: { report: SlackImportReport }) {
  const r = props.report;
  return (
    <section class="import-report" aria-label="Import report">
      <h3>Imported</h3>
      <dl class="limits">
        <dt>People</dt>
        <dd>
          {r.people.created} new, {r.people.existing} already here
          <Reasons skipped={r.people.skipped} />
        </dd>
        <dt>Groups</dt>
        <dd>
          {r.groups.created} new, {r.groups.existing} already here
          <Reasons skipped={r.groups.skipped} />
        </dd>
        <dt>Messages</dt>
        <dd>
          {r.messages.imported} brought over ({r.messages.threadReplies} in threads), {r.messages.existing} already here
          <Reasons skipped={r.messages.skipped} />
        </dd>
        <dt>Reactions</dt>
        <dd>
          {r.reactions.imported}
          <Reasons skipped={r.reactions.skipped} />
        </dd>
        <dt>Files</dt>
        <dd>
          {r.files.imported}
          <Reasons skipped={r.files.skipped} />
        </dd>
      </dl>
      {r.people.links.length > 0 && (
        <>
          <h3>Links to send</h3>
          <p class="hint">Each new person chooses their password with their own link (valid 14 days).</p>
          <ul class="import-links">
            {r.people.links.map((l) => (
              <li key={l.username}>
                <strong>
                  {l.displayName} <small class="hint">@{l.username}</small>
                </strong>
                <ShareLink url={l.url} label={`Link for ${l.displayName}`} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
