import { useEffect, useState } from "preact/hooks";
import { api } from "../app/api.ts";
import { formatSize } from "../app/uploads.ts";

interface ExportJob {
  id: string;
  status: "running" | "done" | "failed";
  done: number;
  total: number;
  downloadUrl: string | null;
}

/** Starts an export, shows its progress while the server writes it, then offers the archive. */
export function ExportButton(props: { path: string; label: string }) {
  const [job, setJob] = useState<ExportJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!job || job.status !== "running") return;
    const timer = setTimeout(
      () =>
        api<{ export: ExportJob }>("GET", `/exports/${job.id}`).then(
          (r) => setJob(r.export),
          (e) => setError(e.message),
        ),
      400,
    );
    return () => clearTimeout(timer);
  }, [job]);
  return (
    <div class="export">
      {(!job || job.status !== "running") && (
        <button
          type="button"
          onClick={() => (
            setError(null),
            api<{ export: ExportJob }>("POST", props.path).then(
              (r) => setJob(r.export),
              (e) => setError(e.message),
            )
          )}
        >
          {props.label}
        </button>
      )}
      {job?.status === "running" && (
        <label>
          Preparing the archive… {job.total > 0 ? `${formatSize(job.done)} of ${formatSize(job.total)}` : ""}
          <progress max={job.total || 1} value={job.done} />
        </label>
      )}
      {job?.status === "done" && job.downloadUrl && (
        <a href={job.downloadUrl} download>
          Download the archive ({formatSize(job.total)}): data.json, files and index.html to open in a browser
        </a>
      )}
      {job?.status === "failed" && (
        <p class="error" role="alert">
          The export failed. Try again, or ask the administrator to look at the server's log.
        </p>
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
