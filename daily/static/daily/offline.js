// Visits and rounds written with no connection are kept on the phone and sent when it
// returns, each once: the form carries a key the server stores with what it applied, so a
// resend is not applied twice. They are kept in IndexedDB, which holds a round's photos as
// they are (localStorage holds only text, a few MB). A save the server refuses (an answer
// missing) stays kept until its form is opened again, filled in with it, photos included, to
// be corrected. The service worker (/today/sw.js) keeps the pages needed to write offline.
//
// A phone may be shared between workers: each kept save belongs to whoever wrote it and is
// shown and sent only while they are signed in (the page names them by a meta tag). Signing
// out leads to a page that removes the kept pages (see signedOut); kept saves stay on the
// phone for their writer.
const DATABASE = "daily-offline";
const QUEUE = "queue";
// Where visits were kept before rounds could be: moved into the database once.
const OLD_QUEUE = "daily-queue";
const KEPT_PAGES = "daily-";
const USER = document.querySelector("meta[name=offline-user]")?.content || "";
// Signing in again renews the CSRF token: a save kept since is sent with the page's.
const CSRF = document.querySelector("meta[name=offline-csrf]")?.content || "";

function request(done) {
  return new Promise((resolve, reject) => {
    done.onsuccess = () => resolve(done.result);
    done.onerror = () => reject(done.error);
  });
}

let opened;
function database() {
  opened ??= new Promise((resolve, reject) => {
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () =>
      opening.result.createObjectStore(QUEUE, { keyPath: "order", autoIncrement: true });
    opening.onsuccess = () => resolve(opening.result);
    opening.onerror = () => reject(opening.error);
  });
  return opened;
}

async function store(mode) {
  return (await database()).transaction(QUEUE, mode).objectStore(QUEUE);
}

// Everything kept on this phone, in the order it was written.
async function everyone() {
  await moveOldQueue();
  return request((await store("readonly")).getAll());
}

async function queued() {
  return USER ? (await everyone()).filter((item) => item.user === USER) : [];
}

async function put(item) {
  await request((await store("readwrite")).put(item));
}

async function forget(item) {
  await request((await store("readwrite")).delete(item.order));
}

async function moveOldQueue() {
  let old;
  try {
    old = JSON.parse(localStorage.getItem(OLD_QUEUE) || "[]");
  } catch {
    old = [];
  }
  localStorage.removeItem(OLD_QUEUE);
  const kept = await store("readwrite");
  // Visits kept before they carried their writer go to whoever signs in first.
  await Promise.all(old.map(({ order, ...item }) => request(kept.add({ user: USER, ...item }))));
}

async function showQueue() {
  const banner = document.querySelector("[data-offline-queue]");
  if (!banner) {
    return;
  }
  const items = await queued();
  const waiting = items.filter((item) => !item.refused).length;
  banner.hidden = items.length === 0;
  banner.replaceChildren(waiting ? banner.dataset.waiting.replace("{n}", waiting) : "");
  for (const item of items.filter((item) => item.refused)) {
    const link = document.createElement("a");
    link.href = item.url;
    link.textContent = banner.dataset.refused;
    banner.append(" ", link);
  }
}

// Saves the worker makes on the page are answered with where to go (daily.views.saved), so
// that the page's messages wait for it; saves sent from the queue follow the redirect.
function send(item, headers = {}) {
  const body = new FormData();
  for (const [name, value] of item.fields) {
    body.append(name, name === "csrfmiddlewaretoken" && CSRF ? CSRF : value);
  }
  return fetch(item.url, { method: "POST", body, headers, credentials: "same-origin" });
}

// One flush at a time: a second (the connection returning while the page loads) would send
// the same saves again, which the server would only refuse to apply twice.
let flushing = Promise.resolve();
function flush() {
  flushing = flushing.then(sendKept, sendKept);
  return flushing;
}

async function sendKept() {
  for (const item of (await queued()).filter((item) => !item.refused)) {
    let response;
    try {
      response = await send(item);
    } catch {
      return; // still offline: again when the connection returns
    }
    await (response.redirected ? forget(item) : put({ ...item, refused: true }));
  }
  await showQueue();
}

function renewKey(form) {
  const key = form.elements.namedItem("client_key");
  if (key && self.crypto?.randomUUID) {
    key.value = self.crypto.randomUUID();
  }
}

// A refused save, back on its form to be corrected and saved again.
async function refill(form) {
  const path = new URL(form.action || location.href, location.href).pathname;
  const item = (await queued()).find(
    (other) => other.refused && new URL(other.url, location.href).pathname === path,
  );
  if (!item) {
    // A new save gets a new key, even on a page the service worker kept.
    renewKey(form);
    return;
  }
  const photos = new Map();
  for (const [name, value] of item.fields) {
    const field = form.elements.namedItem(name);
    if (value instanceof Blob) {
      photos.set(name, [...(photos.get(name) || []), value]);
    } else if (field instanceof RadioNodeList) {
      field.value = value;
    } else if (field?.type === "checkbox") {
      field.checked = true;
    } else if (field && name !== "csrfmiddlewaretoken") {
      field.value = value;
    }
  }
  for (const [name, files] of photos) {
    const input = form.elements.namedItem(name);
    if (input && self.DataTransfer) {
      const chosen = new DataTransfer();
      files.forEach((file) => chosen.items.add(file));
      input.files = chosen.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
  await forget(item);
  await showQueue();
  form.querySelector("[data-offline-refilled]")?.removeAttribute("hidden");
}

// What the form sends, without the empty entries of file inputs nobody chose from.
function entries(form, submitter) {
  const data = new FormData(form, submitter);
  return [...data.entries()].filter(
    ([, value]) => !(value instanceof Blob) || value.size > 0 || value.name,
  );
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("[data-offline]") || form.dataset.offlineSent) {
    return;
  }
  event.preventDefault();
  const submitter = event.submitter;
  const fields = entries(form, submitter);
  const key = fields.find(([name]) => name === "client_key")?.[1] || String(Date.now());
  const item = { url: form.action || location.href, fields, key, user: USER };
  let response;
  try {
    response = await send(item, { "X-Daily-Save": "page" });
  } catch {
    await put(item);
    await showQueue();
    form.querySelector("[data-offline-saved]")?.removeAttribute("hidden");
    if (form.dataset.offline === "again") {
      // A round goes on: its photos are kept with this save, and the next save is another.
      form.querySelectorAll("input[type=file]").forEach((input) => {
        input.value = "";
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      renewKey(form);
    } else {
      form.querySelectorAll("button[type=submit]").forEach((button) => (button.disabled = true));
    }
    return;
  }
  const next = response.headers.get("X-Daily-Location");
  if (next || response.redirected) {
    location.assign(next || response.url);
  } else {
    // Refused: send it the ordinary way, to be shown the server's messages beside the fields
    // (nothing was stored; the key stays the same).
    form.dataset.offlineSent = "plain";
    form.requestSubmit(submitter);
  }
});

// The page after signing out: the pages kept for offline use showed the one who left.
async function signedOut(page) {
  if (window.caches) {
    const names = (await caches.keys()).filter((name) => name.startsWith(KEPT_PAGES));
    await Promise.all(names.map((name) => caches.delete(name)));
    if (names.length) {
      page.querySelector("[data-offline-cleared]")?.removeAttribute("hidden");
    }
  }
  const waiting = (await everyone()).filter((item) => !item.refused).length;
  const note = page.querySelector("[data-offline-kept]");
  if (note && waiting) {
    note.textContent = note.dataset.kept.replace("{n}", waiting);
    note.hidden = false;
  }
  page.dataset.signedOut = "done";
}

window.addEventListener("online", flush);
document.addEventListener("DOMContentLoaded", async () => {
  const page = document.querySelector("[data-signed-out]");
  if (page) {
    await signedOut(page);
    return;
  }
  await Promise.all([...document.querySelectorAll("form[data-offline]")].map(refill));
  await showQueue();
  if (navigator.onLine) {
    await flush();
  }
  document.documentElement.dataset.offlineReady = "yes";
});
if ("serviceWorker" in navigator && USER) {
  navigator.serviceWorker.register("/today/sw.js", { scope: "/today/" });
}
