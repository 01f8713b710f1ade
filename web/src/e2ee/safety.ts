// Safety numbers: 60 digits two people compare (side by side, or read aloud) to know that the devices
// their apps encrypt for are really each other's, not ones the server slipped in. Made from both people's
// device keys, so they change when either adds or removes a device (and the conversation says so).
import type { DeviceView } from "../../../src/protocol/views.ts";

/** The number for two people, the same on both sides: 12 groups of 5 digits. */
export async function safetyNumber(
  a: { userId: string; devices: Pick<DeviceView, "signatureKey">[] },
  b: { userId: string; devices: Pick<DeviceView, "signatureKey">[] },
): Promise<string> {
  const side = (p: typeof a) => [p.userId, p.devices.map((d) => d.signatureKey).sort()] as const;
  const both = [side(a), side(b)].sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-512", new TextEncoder().encode(JSON.stringify(["parley-safety-1", both]))),
  );
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = (n * 256 + digest[i * 5 + j]!) % 100_000;
    groups.push(String(n).padStart(5, "0"));
  }
  return groups.join(" ");
}
