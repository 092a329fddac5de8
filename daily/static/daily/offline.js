// Visits written with no connection are kept on the phone and sent when it returns, each
// once: the form carries a key the server stores with the visit, so a resend is not stored
// twice. A visit the server refuses (an answer missing) stays kept until its form is opened
// again, filled in with it, to be corrected. The service worker (/today/sw.js) keeps the
// pages needed to write visits offline.
const QUEUE = "daily-queue";

function queued() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE) || "[]");
  } catch {
    return [];
  }
}

function keep(items) {
  localStorage.setItem(QUEUE, JSON.stringify(items));
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
  return fetch(item.url, {
    method: "POST",
    body: new URLSearchParams(item.fields),
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
  const item = { url: form.action || location.href, fields, key };
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

window.addEventListener("online", flush);
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-offline]").forEach(refill);
  showQueue();
  if (navigator.onLine) {
    flush();
  }
});
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/today/sw.js", { scope: "/today/" });
}
