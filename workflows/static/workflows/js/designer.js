// The process editor's field choosers follow the intake form: when another form is chosen,
// the options taken from the intake form are replaced by the new form's fields in every
// chooser (area field, department field, conditions), in the stages and effects added later
// too. A chosen label the new form lacks stays chosen and shown, for the checks to name.
(function () {
  "use strict";
  let intake = null; // the chosen form's labels, once fetched

  function refresh(select) {
    if (intake === null) return;
    const chosen = select.value;
    select.querySelectorAll("option[data-intake]").forEach((option) => option.remove());
    const blank = select.querySelector("option[value='']");
    let after = blank;
    intake.forEach((label) => {
      let option = Array.from(select.options).find((o) => o.value === label);
      if (option) option.remove();
      option = new Option(label, label);
      option.dataset.intake = "";
      after.after(option);
      after = option;
    });
    if (chosen && !Array.from(select.options).some((o) => o.value === chosen)) {
      select.append(new Option(chosen, chosen));
    }
    select.value = chosen;
  }

  function load(formId) {
    const first = document.querySelector("select[data-form-fields]");
    if (!first) return;
    if (!formId) {
      intake = [];
      document.querySelectorAll("select[data-form-fields]").forEach(refresh);
      return;
    }
    const url = first.dataset.formFields.replace(/\/0\/$/, "/" + encodeURIComponent(formId) + "/");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        intake = data.fields.map((field) => field.label);
        document.querySelectorAll("select[data-form-fields]").forEach(refresh);
      })
      .catch(() => {});
  }

  document.addEventListener("change", (event) => {
    if (event.target.name === "intake_form") load(event.target.value);
  });
  new MutationObserver((mutations) => {
    mutations.forEach((mutation) =>
      mutation.addedNodes.forEach((node) => {
        if (node.querySelectorAll) node.querySelectorAll("select[data-form-fields]").forEach(refresh);
      }),
    );
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
