// Poll an import or export job's progress while it runs; reload the page to show the result when it ends.
(() => {
  const section = document.querySelector("[data-job-progress]");
  if (!section) return;
  const bar = section.querySelector("progress");
  const text = section.querySelector("[data-job-progress-text]");
  const poll = async () => {
    const response = await fetch(section.dataset.jobProgress, { credentials: "same-origin" });
    if (!response.ok) return;
    const state = await response.json();
    if (!state.running) {
      window.location.reload();
      return;
    }
    if (state.percent !== undefined) {
      bar.value = state.percent;
      text.textContent = `${state.done} / ${state.total} (${state.percent}%)`;
    }
    window.setTimeout(poll, 1000);
  };
  window.setTimeout(poll, 1000);
})();
