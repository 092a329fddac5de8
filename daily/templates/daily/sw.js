// The grid workers' pages on a phone with a poor connection: My grids today, the visit forms
// and the rounds are kept when loaded and shown from here when the network is down (their
// forms then queue what is written, daily/offline.js). Only these pages are kept: they name no
// resident.
const CACHE = "daily-{{ version }}";
const ASSETS = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const KEPT_PAGES = [
  /^\/today\/$/,
  /^\/today\/(households|units)\/\d+\/visit\/$/,
  /^\/today\/inspections\/\d+\/$/,
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(ASSETS)));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) =>
      Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))),
    ),
  );
  self.clients.claim();
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request).then((kept) => kept || fetch(request)));
    return;
  }
  if (request.mode === "navigate" && KEPT_PAGES.some((page) => page.test(url.pathname))) {
    // The network first, so that the page is as fresh as the connection allows.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok && !response.redirected) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request).then((kept) => kept || Response.error())),
    );
  }
});
