// The round's form: say how many photos were chosen for an item, since its file input is
// hidden behind a button-styled label (the browser's own text would be in its language).
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!input.matches(".daily-photo-input")) {
    return;
  }
  const shown = document.querySelector(`[data-for="${input.id}"]`);
  if (shown) {
    const count = input.files.length;
    shown.textContent = count ? shown.dataset.template.replace("{n}", count) : "";
  }
});
