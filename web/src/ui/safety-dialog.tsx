// "Safety numbers" of an encrypted conversation: one per other member, to compare with what they see.
import { api, type Conversation } from "../app/api.ts";
import type { DeviceView } from "../../../src/protocol/views.ts";
import { me } from "../app/state.ts";
import { safetyNumber } from "../e2ee/safety.ts";
import { Dialog } from "./dialog.tsx";
import { useLoad } from "./use-load.tsx";

async function numbersFor(c: Conversation): Promise<{ id: string; name: string; number: string; devices: number }[]> {
  const ids = c.members.map((m) => m.user.id);
  const { devices } = await api<{ devices: DeviceView[] }>(
    "GET",
    `/e2ee/people-devices?userIds=${ids.map(encodeURIComponent).join(",")}`,
  );
  const of = (userId: string) => ({ userId, devices: devices.filter((d) => d.userId === userId) });
  const myId = me.value!.id;
  return Promise.all(
    c.members
      .filter((m) => m.user.id !== myId)
      .map(async (m) => ({
        id: m.user.id,
        name: m.user.displayName,
        number: await safetyNumber(of(myId), of(m.user.id)),
        devices: of(m.user.id).devices.length,
      })),
  );
}

export function SafetyDialog(props: { c: Conversation; onClose: () => void }) {
  const { value: numbers, waiting } = useLoad(() => numbersFor(props.c));
  return (
    <Dialog title="Safety numbers" onClose={props.onClose}>
      <p class="hint">
        Compare each number with the one the other person sees on their device, side by side or read aloud. If they
        match, your messages go to their devices and nobody else's.
      </p>
      {waiting ?? (
        <ul class="safety-numbers">
          {numbers!.map((n) => (
            <li key={n.id}>
              <strong>{n.name}</strong>{" "}
              <small class="hint">
                {n.devices} device{n.devices === 1 ? "" : "s"}
              </small>
              <code aria-label={`Safety number with ${n.name}`}>{n.number}</code>
            </li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
