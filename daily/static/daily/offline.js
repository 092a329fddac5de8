// Visits written with no connection are kept on the phone and sent when it returns, each
// once: the form carries a key the server stores with the visit, so a resend is not stored
// twice. A visit the server refuses (an answer missing) stays kept until its form is opened
// again, filled in with it, to be corrected. The service worker (/today/sw.js) keeps the
// pages needed to write visits offline.
//
// A phone may be shared between workers: each kept visit belongs to whoever wrote it and is
// shown and sent only while they are signed in (the page names them by a meta tag). Signing
// out leads to a page that removes the kept pages (see signedOut); kept visits stay on the
// phone for their writer.
const QUEUE = "daily-queue";
const KEPT_PAGES = "daily-";
const USER = document.querySelector("meta[name=offline-user]")?.content || "";
// Signing in again renews the CSRF token: a visit kept since is sent with the page's.
const CSRF = document.querySelector("meta[name=offline-csrf]")?.content || "";

function everyone() {
  try {
    // Visits kept before they carried their writer go to whoever signs in first.
    return JSON.parse(localStorage.getItem(QUEUE) || "[]").map((item) => ({ user: USER, ...item }));
  } catch {
    return [];
  }
}

function queued() {
  return USER ? everyone().filter((item) => item.user === USER) : [];
}

function keep(items) {
  const others = everyone().filter((item) => item.user !== USER);
  localStorage.setItem(QUEUE, JSON.stringify([...others, ...items]));
  showQueue();
}

function showQueue() {
  const banner = document.querySelector("[data-offline-queue]");
  if (!banner) {
    return;
  }
  const items = queued();
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

function send(item) {
  const fields = item.fields.map(([name, value]) =>
    name === "csrfmiddlewaretoken" && CSRF ? [name, CSRF] : [name, value],
  );
  return fetch(item.url, {
    method: "POST",
    body: new URLSearchParams(fields),
    credentials: "same-origin",
  });
}

async function flush() {
  for (const item of queued().filter((item) => !item.refused)) {
    let response;
    try {
      response = await send(item);
    } catch {
      return; // still offline: again when the connection returns
    }
    const others = queued().filter((other) => other.key !== item.key);
    keep(response.redirected ? others : [...others, { ...item, refused: true }]);
  }
}

// A refused visit, back on its form to be corrected and saved.
function refill(form) {
  const path = new URL(form.action || location.href, location.href).pathname;
  const item = queued().find(
    (other) => other.refused && new URL(other.url, location.href).pathname === path,
  );
  if (!item) {
    // A new visit gets a new key, even on a page the service worker kept.
    const key = form.elements.namedItem("client_key");
    if (key && self.crypto?.randomUUID) {
      key.value = self.crypto.randomUUID();
    }
    return;
  }
  for (const [name, value] of item.fields) {
    const field = form.elements.namedItem(name);
    if (field instanceof RadioNodeList) {
      field.value = value;
    } else if (field?.type === "checkbox") {
      field.checked = true;
    } else if (field && name !== "csrfmiddlewaretoken") {
      field.value = value;
    }
  }
  keep(queued().filter((other) => other.key !== item.key));
  form.querySelector("[data-offline-refilled]")?.removeAttribute("hidden");
}

document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("[data-offline]")) {
    return;
  }
  event.preventDefault();
  const fields = [...new FormData(form).entries()];
  const key = fields.find(([name]) => name === "client_key")?.[1] || String(Date.now());
  const item = { url: form.action || location.href, fields, key, user: USER };
  let response;
  try {
    response = await send(item);
  } catch {
    keep([...queued().filter((other) => other.key !== key), item]);
    form.querySelector("[data-offline-saved]")?.removeAttribute("hidden");
    form.querySelector("button[type=submit]").disabled = true;
    return;
  }
  if (response.redirected) {
    location.assign(response.url);
  } else {
    // Refused: send it the ordinary way, to be shown the server's messages beside the fields
    // (nothing was stored; the key stays the same).
    form.submit();
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
  const waiting = everyone().filter((item) => !item.refused).length;
  const note = page.querySelector("[data-offline-kept]");
  if (note && waiting) {
    note.textContent = note.dataset.kept.replace("{n}", waiting);
    note.hidden = false;
  }
  page.dataset.signedOut = "done";
}

window.addEventListener("online", flush);
document.addEventListener("DOMContentLoaded", () => {
  const page = document.querySelector("[data-signed-out]");
  if (page) {
    signedOut(page);
    return;
  }
  document.querySelectorAll("form[data-offline]").forEach(refill);
  showQueue();
  if (navigator.onLine) {
    flush();
  }
});
if ("serviceWorker" in navigator && USER) {
  navigator.serviceWorker.register("/today/sw.js", { scope: "/today/" });
}
