// Notifications on this device: the browser's push subscription, registered with Parley. The service
// worker (web/sw.js) shows them; a click on one opens its conversation here.
import { signal } from "@preact/signals";
import type { PushSubscriptionView } from "../../../src/protocol/views.ts";
import { api } from "./api.ts";
import { navigate } from "./navigation.ts";

export type PushState = "unsupported" | "denied" | "off" | "on";
export const pushState = signal<PushState>("off");

/** One browser of mine that gets notifications, as the server lists it. */
export type PushDevice = PushSubscriptionView;

const supported = () =>
  typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

function keyBytes(key: string): Uint8Array<ArrayBuffer> {
  const b64 = key.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

const sameKey = (a: ArrayBuffer | null, b: Uint8Array) =>
  a !== null && a.byteLength === b.length && new Uint8Array(a).every((x, i) => x === b[i]);

/** A short name for this browser, shown in the list of devices. */
export function deviceLabel(ua = navigator.userAgent): string {
  const browser = /Firefox\//.test(ua)
    ? "Firefox"
    : /Edg\//.test(ua)
      ? "Edge"
      : /Chrome\//.test(ua)
        ? "Chrome"
        : /Safari\//.test(ua)
          ? "Safari"
          : "Browser";
  const os = /Android/.test(ua)
    ? "Android"
    : /iPhone|iPad/.test(ua)
      ? "iOS"
      : /Mac OS X/.test(ua)
        ? "macOS"
        : /Windows/.test(ua)
          ? "Windows"
          : /Linux/.test(ua)
            ? "Linux"
            : "";
  return os ? `${browser} on ${os}` : browser;
}

async function register(sub: PushSubscription): Promise<void> {
  const json = sub.toJSON();
  await api("POST", "/push/subscriptions", { endpoint: json.endpoint, keys: json.keys, label: deviceLabel() });
}

/**
 * At every sign-in: if notifications were allowed here, make sure Parley has this browser's subscription,
 * made with Parley's current key (after `parley push rotate-keys` the old one is replaced).
 */
export async function refreshPush(): Promise<void> {
  if (!supported()) {
    pushState.value = "unsupported";
    return;
  }
  if (Notification.permission === "denied") {
    pushState.value = "denied";
    return;
  }
  const reg = await navigator.serviceWorker.getRegistration();
  const sub = await reg?.pushManager.getSubscription();
  if (!reg || !sub || Notification.permission !== "granted") {
    pushState.value = "off";
    return;
  }
  const { key } = await api<{ key: string }>("GET", "/push/vapid-public-key");
  const current = sameKey(sub.options.applicationServerKey, keyBytes(key))
    ? sub
    : await sub
        .unsubscribe()
        .then(() => reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  await register(current);
  pushState.value = "on";
}

/** "Turn on notifications": asks the browser, subscribes, and tells Parley. */
export async function enablePush(): Promise<void> {
  if (!supported()) throw new Error("This browser cannot show notifications from Parley.");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    pushState.value = permission === "denied" ? "denied" : "off";
    throw new Error(
      permission === "denied"
        ? "Notifications are blocked for this site in the browser's settings."
        : "Notifications were not allowed.",
    );
  }
  const reg = await navigator.serviceWorker.ready;
  const { key } = await api<{ key: string }>("GET", "/push/vapid-public-key");
  const sub =
    (await reg.pushManager.getSubscription()) ??
    (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
  await register(sub);
  pushState.value = "on";
}

/** Turns notifications off on this device: Parley forgets it, and so does the browser. */
export async function disablePush(deviceId: string | null): Promise<void> {
  if (deviceId) await api("DELETE", `/push/subscriptions/${encodeURIComponent(deviceId)}`);
  const sub = await (await navigator.serviceWorker.getRegistration())?.pushManager.getSubscription();
  await sub?.unsubscribe();
  pushState.value = "off";
}

export const listPushDevices = () =>
  api<{ subscriptions: PushDevice[] }>("GET", "/push/subscriptions").then((r) => r.subscriptions);
export const testPushDevice = (id: string) => api("POST", `/push/subscriptions/${encodeURIComponent(id)}/test`);
export const removePushDevice = (id: string) => api("DELETE", `/push/subscriptions/${encodeURIComponent(id)}`);

// A notification clicked while the app is open: the service worker asks this window to go there.
if (supported()) {
  navigator.serviceWorker.addEventListener("message", (e) => {
    if (e.data?.type === "open" && typeof e.data.url === "string" && e.data.url.startsWith("/")) navigate(e.data.url);
  });
}
