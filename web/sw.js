// Parley's service worker: keeps the app shell so the app opens (and its outbox keeps working) while the
// server is unreachable. The build replaces the two placeholders; API calls and the socket are never cached.
const VERSION = "__VERSION__";
const SHELL = __PRECACHE__;
const CACHE = `parley-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((k) => k.startsWith("parley-shell-") && k !== CACHE).map((k) => caches.delete(k))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/ws" || url.pathname === "/sw.js") return;
  if (req.mode === "navigate") {
    // Pages: the network when it answers (a new version shows at once), else the cached shell.
    event.respondWith(
      fetch(req).catch(() => caches.match("/", { cacheName: CACHE }).then((r) => r ?? Response.error())),
    );
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    // Hashed names never change content: the cache is always right.
    event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
    return;
  }
  event.respondWith(fetch(req).catch(() => caches.match(req, { cacheName: CACHE }).then((r) => r ?? Response.error())));
});

// ---- Web Push ----------------------------------------------------------------------------------
// The server sends JSON (src/push/notifier.ts): {kind, conversationId, url, tag, title, body, badge, private}.
// In private mode it carries no names or words; the notification is filled in from Parley itself.
async function privateDetails(data) {
  try {
    const res = await fetch(`/api/v1/conversations/${encodeURIComponent(data.conversationId)}`, {
      credentials: "same-origin",
    });
    if (!res.ok) return data;
    const { conversation: c } = await res.json();
    const last = c.lastMessage;
    const sender = last ? last.sender.displayName : "";
    const title = c.type === "group" ? c.title || "Group" : sender || "New message";
    const words = last ? last.text.replace(/\s+/g, " ").trim() || "📎 File" : "";
    return { ...data, title, body: c.type === "group" && sender ? `${sender}: ${words}` : words };
  } catch {
    return data;
  }
}

self.addEventListener("push", (event) => {
  event.waitUntil(
    (async () => {
      let data;
      try {
        data = event.data ? event.data.json() : null;
      } catch {
        data = null;
      }
      if (!data) data = { kind: "message", url: "/", tag: "parley", title: "Parley", body: "New message", badge: 0 };
      if (data.private && data.conversationId && data.kind === "message") data = await privateDetails(data);
      if (typeof data.badge === "number" && self.navigator.setAppBadge) {
        await (data.badge > 0 ? self.navigator.setAppBadge(data.badge) : self.navigator.clearAppBadge()).catch(
          () => {},
        );
      }
      // One notification per conversation: a newer message replaces it (same tag) and alerts again.
      await self.registration.showNotification(data.title || "Parley", {
        body: data.body || "",
        tag: data.tag || "parley",
        renotify: true,
        // A call rings until it is answered, declined or missed (the missed call replaces it: same tag).
        requireInteraction: data.ringing === true,
        icon: "/icon-192.png",
        badge: "/icon-192.png",
        data: { url: data.url || "/", conversationId: data.conversationId || null },
      });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      // An open Parley window goes to the conversation; otherwise a new one opens there.
      const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        open.postMessage({ type: "open", url: event.notification.data?.url || "/" });
        return;
      }
      await self.clients.openWindow(url);
    })(),
  );
});
