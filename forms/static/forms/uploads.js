// File inputs are hidden behind a button-styled label, since the browser's own "choose file"
// text is in the browser's language, not the page's; this says what was chosen instead. An
// input with data-resize="N" has its photos made at most N pixels wide and high on the phone
// before they are sent (a phone's camera takes photos of 4,000 pixels and several MB).

async function resized(file, limit) {
  if (!file.type.startsWith("image/") || !self.createImageBitmap) {
    return file;
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file; // not an image the browser reads: the server says so
  }
  const scale = Math.min(1, limit / Math.max(bitmap.width, bitmap.height));
  if (scale === 1) {
    return file;
  }
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((done) => canvas.toBlob(done, "image/jpeg", 0.85));
  const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
  return blob ? new File([blob], name, { type: "image/jpeg" }) : file;
}

function showChosen(input) {
  const shown = document.querySelector(`[data-for="${input.id}"]`);
  if (!shown) {
    return;
  }
  const count = input.files.length;
  if (count === 0) {
    shown.textContent = shown.dataset.none || "";
  } else if (count === 1 && !shown.dataset.template) {
    shown.textContent = input.files[0].name;
  } else {
    shown.textContent = shown.dataset.template.replace("{n}", count);
  }
}

document.addEventListener("change", async (event) => {
  const input = event.target;
  if (!input.matches(".upload-input")) {
    return;
  }
  const limit = Number(input.dataset.resize);
  if (limit && self.DataTransfer) {
    const chosen = new DataTransfer();
    for (const file of await Promise.all([...input.files].map((f) => resized(f, limit)))) {
      chosen.items.add(file);
    }
    input.files = chosen.files; // setting files fires no change event
  }
  showChosen(input);
});
