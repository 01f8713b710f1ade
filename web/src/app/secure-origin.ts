// Whether the browser trusts this connection: passkeys, notifications, the service worker and installing the
// app all need it. False over plain HTTP (outside localhost), and over HTTPS whose certificate this device
// does not trust (someone went past the warning): the service worker is refused then, with a SecurityError.
import { signal } from "@preact/signals";

export const connectionTrusted = signal(typeof window === "undefined" || window.isSecureContext);

/** Registers the service worker; a refusal for the connection's sake says the connection is not trusted. */
export function registerServiceWorker(): void {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.register("/sw.js").catch((err: unknown) => {
    if ((err as Error)?.name === "SecurityError") connectionTrusted.value = false;
  });
}
