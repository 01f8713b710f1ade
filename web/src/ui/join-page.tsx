import { useEffect, useState } from "preact/hooks";
import { api, type Conversation } from "../app/api.ts";
import { refreshConversation } from "../app/chats.ts";
import { navigate, path } from "../app/state.ts";
import { Card } from "./form.tsx";

interface Preview {
  title: string;
  description: string;
  memberCount: number;
  alreadyMember: boolean;
}

/** Where a group invite link lands: what the group is, and a button to join it. */
export function JoinPage() {
  const code = decodeURIComponent(path.value.slice("/join/".length));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<{ group: Preview }>("GET", `/group-invites/${encodeURIComponent(code)}`).then(
      (r) => setPreview(r.group),
      (err) => setError(err.message),
    );
  }, [code]);
  const join = async () => {
    setBusy(true);
    try {
      const { conversation } = await api<{ conversation: Conversation }>(
        "POST",
        `/group-invites/${encodeURIComponent(code)}/join`,
      );
      await refreshConversation(conversation.id);
      navigate(`/c/${conversation.id}`, true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };
  if (error)
    return (
      <Card title="This invite link does not work" subtitle={error}>
        <p>
          <a href="/" onClick={(e) => (e.preventDefault(), navigate("/"))}>
            Back to your conversations
          </a>
        </p>
      </Card>
    );
  if (!preview) return <Card title="Opening the invite…" />;
  return (
    <Card
      title={`Join ${preview.title}`}
      subtitle={`${preview.memberCount} member${preview.memberCount === 1 ? "" : "s"}`}
    >
      <div class="join">
        {preview.description && <p>{preview.description}</p>}
        <button type="button" class="primary" disabled={busy} onClick={() => void join()}>
          {preview.alreadyMember ? "Open the group" : "Join the group"}
        </button>
      </div>
    </Card>
  );
}
