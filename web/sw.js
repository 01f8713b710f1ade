// Parley's service worker: keeps the app shell so the app opens (and its outbox keeps working) while the
// server is unreachable. The build replaces the two placeholders; API calls and the socket are never cached.
const VERSION = "__VERSION__";
const SHELL = __PRECACHE__;
const CACHE = `parley-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("parley-shell-") && k !== CACHE).map((k) => caches.delete(k))))
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
    event.respondWith(fetch(req).catch(() => caches.match("/", { cacheName: CACHE }).then((r) => r ?? Response.error())));
    return;
  }
  if (url.pathname.startsWith("/assets/")) {
    // Hashed names never change content: the cache is always right.
    event.respondWith(caches.match(req, { cacheName: CACHE }).then((hit) => hit ?? fetch(req)));
    return;
  }
  event.respondWith(fetch(req).catch(() => caches.match(req, { cacheName: CACHE }).then((r) => r ?? Response.error())));
});
