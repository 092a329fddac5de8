// The process editor's field choosers follow the intake form: when another form is chosen,
// the options taken from the intake form are replaced by the new form's fields in every
// chooser (area field, department field, conditions), in the stages and effects added later
// too. A chosen label the new form lacks stays chosen and shown, for the checks to name.
// An effect's mapping is drawn as a row per input of the effect chosen beside it, each with a
// chooser of the intake form's fields, and written back as JSON into its hidden input. A
// condition on a field with choices offers them as boxes to tick, written as its value lines.
// The flow's diagram is drawn again by the server from the form as it stands, unsaved, a
// moment after each change; a stage dragged onto another in it moves there in the list (by the
// list's own arrows, so the order saved is the list's).
(function () {
  "use strict";
  let intake = null; // the chosen form's fields ({label, choices}), once fetched

  function drawValues(select) {
    const values = document.querySelector(
      'textarea[name="' + select.name.replace(/condition_field$/, "condition_values") + '"]',
    );
    if (!values) return;
    const option = select.selectedOptions[0];
    const choices = option && option.dataset.choices ? JSON.parse(option.dataset.choices) : [];
    window.answerBoxes(values, choices);
  }

  function refresh(select) {
    if (intake === null) return;
    const chosen = select.value;
    select.querySelectorAll("option[data-intake]").forEach((option) => option.remove());
    const blank = select.querySelector("option[value='']");
    let after = blank;
    intake.forEach((field) => {
      let option = Array.from(select.options).find((o) => o.value === field.label);
      if (option) option.remove();
      option = new Option(field.label, field.label);
      option.dataset.intake = "";
      if (field.choices.length) option.dataset.choices = JSON.stringify(field.choices);
      after.after(option);
      after = option;
    });
    if (chosen && !Array.from(select.options).some((o) => o.value === chosen)) {
      select.append(new Option(chosen, chosen));
    }
    select.value = chosen;
  }

  function drawMap(widget, kindChanged) {
    const hidden = widget.querySelector("input[type=hidden]");
    const kind = document.querySelector(
      'select[name="' + hidden.name.replace(/field_map$/, "kind") + '"]',
    );
    const inputs = JSON.parse(widget.dataset.kinds)[kind ? kind.value : ""] || [];
    const labels =
      intake !== null ? intake.map((field) => field.label) : JSON.parse(widget.dataset.intake);
    let map = {};
    try {
      map = JSON.parse(hidden.value || "{}") || {};
    } catch (error) {
      map = {};
    }
    if (kindChanged) {
      // Inputs of the effect chosen before are not this one's.
      const keys = inputs.map((input) => input[0]);
      Object.keys(map).forEach((key) => keys.includes(key) || delete map[key]);
      hidden.value = JSON.stringify(map);
    }
    widget.querySelector(".field-map__none").hidden = inputs.length > 0;
    const rows = widget.querySelector(".field-map__rows tbody");
    rows.replaceChildren();
    inputs.forEach(([key, label, required]) => {
      const row = rows.insertRow();
      const heading = document.createElement("th");
      heading.scope = "row";
      heading.textContent = required ? label + " *" : label;
      row.append(heading);
      const select = document.createElement("select");
      select.setAttribute("aria-label", label);
      select.add(new Option(widget.dataset.unused, ""));
      labels.forEach((text) => select.add(new Option(text, text)));
      if (map[key] && !labels.includes(map[key])) select.add(new Option(map[key], map[key]));
      select.value = map[key] || "";
      select.addEventListener("change", () => {
        if (select.value) map[key] = select.value;
        else delete map[key];
        hidden.value = JSON.stringify(map);
      });
      row.insertCell().append(select);
    });
  }

  let diagramTimer = null;

  function drawDiagram() {
    const box = document.querySelector("[data-live-diagram]");
    if (!box) return;
    clearTimeout(diagramTimer);
    diagramTimer = setTimeout(() => {
      fetch(box.dataset.liveDiagram, {
        method: "POST",
        body: new FormData(box.closest("form")),
        credentials: "same-origin",
      })
        .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
        .then((html) => {
          box.innerHTML = html;
          draggable(box);
        })
        .catch(() => {});
    }, 400);
  }

  function stagePanels() {
    return Array.from(document.querySelectorAll("[id^='inline_child_stages-']")).filter((child) => {
      if (!/^inline_child_stages-\d+$/.test(child.id)) return false;
      const deleted = child.querySelector("input[name$='-DELETE']");
      return !(deleted && deleted.value === "1");
    });
  }

  function moveStage(from, to) {
    const panel = stagePanels()[from];
    if (!panel || from === to) return;
    const button = from > to ? "[data-inline-panel-child-move-up]" : "[data-inline-panel-child-move-down]";
    for (let step = 0; step < Math.abs(from - to); step += 1) {
      panel.querySelector(button).click();
    }
  }

  function draggable(box) {
    const nodes = Array.from(box.querySelectorAll(".pg-node[id^='stage-']"));
    nodes.forEach((node, index) => {
      node.draggable = true;
      node.addEventListener("dragstart", (event) => {
        event.dataTransfer.setData("text/plain", String(index));
      });
      node.addEventListener("dragover", (event) => event.preventDefault());
      node.addEventListener("drop", (event) => {
        event.preventDefault();
        moveStage(Number(event.dataTransfer.getData("text/plain")), index);
      });
    });
  }

  function redraw(root) {
    root.querySelectorAll("select[data-form-fields]").forEach(refresh);
    root.querySelectorAll("select[name$='condition_field']").forEach(drawValues);
    root.querySelectorAll("[data-field-map]").forEach((widget) => drawMap(widget, false));
  }

  function load(formId) {
    const first = document.querySelector("select[data-form-fields]");
    if (!first) return;
    if (!formId) {
      intake = [];
      redraw(document);
      return;
    }
    const url = first.dataset.formFields.replace(/\/0\/$/, "/" + encodeURIComponent(formId) + "/");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        intake = data.fields;
        redraw(document);
      })
      .catch(() => {});
  }

  document.addEventListener("input", drawDiagram);
  document.addEventListener("click", (event) => {
    // Adding, moving and deleting a stage or an effect are buttons.
    if (event.target.closest && event.target.closest("form button[type=button]")) drawDiagram();
  });
  document.addEventListener("change", (event) => {
    drawDiagram();
    const name = event.target.name || "";
    if (name === "intake_form") load(event.target.value);
    if (/condition_field$/.test(name)) drawValues(event.target);
    if (/^effects-\d+-kind$/.test(name)) {
      const widget = document.querySelector(
        '[data-field-map] input[name="' + name.replace(/kind$/, "field_map") + '"]',
      );
      if (widget) drawMap(widget.closest("[data-field-map]"), true);
    }
  });
  new MutationObserver((mutations) => {
    mutations.forEach((mutation) =>
      mutation.addedNodes.forEach((node) => {
        // What this script draws itself (mapping rows, value boxes) is never a new effect.
        const own = node.nodeType !== 1 || node.closest("[data-field-map], .condition-choices, [data-live-diagram]");
        if (node.querySelectorAll && node.tagName !== "OPTION" && !own) {
          redraw(node);
        }
      }),
    );
  }).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", () => {
    redraw(document);
    drawDiagram();
  });
})();
