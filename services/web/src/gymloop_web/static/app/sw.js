// The member app's service worker: it makes the app installable and shows an offline page when the network is
// gone. It never stores a page with a member's data: only the offline page and the stylesheets it needs.
const CACHE = "gymloop-app-v1";
const OFFLINE = "/app/offline";
const KEPT = [OFFLINE, "/static/style.css", "/static/app/app.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(KEPT)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && KEPT.includes(url.pathname)) {
    // Network first, so a new stylesheet shows at once; the kept copy only when offline.
    event.respondWith(fetch(request).catch(() => caches.match(request)));
  }
});
