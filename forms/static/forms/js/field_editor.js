// The form editor shows each field only the settings of its type (a number its minimum and
// maximum, a file upload its file types and size, a choice its choices…), and offers a text
// field's format as common formats chosen by name; the pattern itself is written only for a
// custom format. Nothing is cleared when a setting is hidden: the checks still see it.
// A field shown on a condition chooses the earlier field from a list of the fields above it,
// as they are labelled in the page, and ticks that field's choices as the answers it needs.
(function () {
  "use strict";
  const TEXT = ["singleline", "multiline"];
  const CHOICE = ["dropdown", "radio", "checkboxes", "multiselect"];
  const ALWAYS = ["label", "field_type", "help_text", "required", "condition_field", "condition_values"];
  const SETTINGS = {
    singleline: ["is_personal", "default_value", "pattern"],
    multiline: ["is_personal", "default_value", "pattern"],
    email: ["is_personal", "default_value", "pattern"],
    url: ["default_value", "pattern"],
    number: ["is_personal", "default_value", "min_value", "max_value"],
    checkbox: ["default_value"],
    date: ["is_personal", "default_value"],
    datetime: ["default_value"],
    hiddenfield: ["default_value"],
    file: ["is_personal", "allowed_file_types", "max_file_size", "max_files"],
    area: ["area_level"],
    id_number: [],
    phone: [],
    section: [],
  };
  CHOICE.forEach((type) => (SETTINGS[type] = ["is_personal", "choices", "default_value"]));
  const ALL = [
    "is_personal", "choices", "default_value", "pattern", "pattern_message", "min_value",
    "max_value", "allowed_file_types", "max_file_size", "max_files", "area_level",
  ];

  function wrapperOf(prefix, setting) {
    const input = document.querySelector('[name="' + prefix + setting + '"]');
    const field = input && input.closest(".w-field__wrapper");
    return field && field.closest(".w-panel__wrapper");
  }

  function presetSelect(input) {
    let select = input.parentElement.querySelector("select.format-preset");
    if (select) return select;
    const presets = JSON.parse(input.dataset.formatPresets);
    const labels = JSON.parse(input.dataset.formatLabels);
    select = document.createElement("select");
    select.className = "format-preset";
    select.setAttribute("aria-label", labels.label);
    select.add(new Option(labels.none, ""));
    presets.forEach((preset) => select.add(new Option(preset.label, preset.key)));
    select.add(new Option(labels.custom, "custom"));
    const found = presets.find((preset) => preset.pattern === input.value);
    select.value = found ? found.key : input.value ? "custom" : "";
    select.addEventListener("change", () => {
      const message = document.querySelector(
        '[name="' + input.name.replace(/pattern$/, "pattern_message") + '"]',
      );
      const preset = presets.find((p) => p.key === select.value);
      if (select.value !== "custom") {
        input.value = preset ? preset.pattern : "";
        if (message) message.value = preset ? preset.message : "";
      }
      show(input.name.replace(/pattern$/, ""));
    });
    input.before(select);
    return select;
  }

  function show(prefix) {
    const type = document.querySelector('[name="' + prefix + 'field_type"]');
    if (!type) return;
    const shown = new Set([...ALWAYS, ...(SETTINGS[type.value] || (type.value ? ALL : []))]);
    const pattern = document.querySelector('[name="' + prefix + 'pattern"]');
    const custom = pattern && shown.has("pattern") && presetSelect(pattern).value === "custom";
    if (pattern) pattern.hidden = !custom;
    if (custom) shown.add("pattern_message");
    ALL.forEach((setting) => {
      const wrapper = wrapperOf(prefix, setting);
      if (wrapper) wrapper.hidden = !shown.has(setting);
    });
    // A group (validation, a row) whose settings are all hidden goes too, heading and all.
    const child = type.closest("[id$='-panel-content']") || document;
    Array.from(child.querySelectorAll(".w-panel__wrapper"))
      .reverse()
      .forEach((group) => {
        const fields = group.querySelectorAll(".w-field__wrapper");
        if (!fields.length || ALL.some((setting) => wrapperOf(prefix, setting) === group)) return;
        group.hidden = Array.from(fields).every((field) => field.closest("[hidden]") !== null &&
          group.contains(field.closest("[hidden]")) && field.closest("[hidden]") !== group);
      });
  }

  // The fields as the page has them now: in order, without those marked for deletion.
  function pageFields() {
    return Array.from(document.querySelectorAll("input[name$='-label'][name^='fields-']"))
      .filter((label) => {
        const deleted = document.querySelector(
          '[name="' + label.name.replace(/label$/, "DELETE") + '"]',
        );
        return !(deleted && deleted.value === "1") && !label.name.includes("__prefix__");
      })
      .map((label) => {
        const prefix = label.name.replace(/label$/, "");
        const choices = document.querySelector('[name="' + prefix + 'choices"]');
        return {
          prefix: prefix,
          label: label.value.trim(),
          choices: choices ? choices.value.split("\n").map((c) => c.trim()).filter(Boolean) : [],
        };
      });
  }

  function drawConditions() {
    const fields = pageFields();
    fields.forEach((field, index) => {
      const input = document.querySelector('[name="' + field.prefix + 'condition_field"]');
      if (!input) return;
      let select = input.parentElement.querySelector("select.condition-field");
      if (!select) {
        select = document.createElement("select");
        select.className = "condition-field";
        const label = document.querySelector('label[for="' + input.id + '"]');
        if (label) select.setAttribute("aria-label", label.textContent.trim());
        select.addEventListener("change", () => {
          input.value = select.value;
          drawConditions();
        });
        input.before(select);
        input.hidden = true;
      }
      const earlier = fields.slice(0, index).filter((other) => other.label);
      select.replaceChildren(new Option(input.dataset.none || "—", ""));
      earlier.forEach((other) => select.add(new Option(other.label, other.label)));
      if (input.value && !earlier.some((other) => other.label === input.value)) {
        select.add(new Option(input.value, input.value));
      }
      select.value = input.value;
      const chosen = earlier.find((other) => other.label === input.value);
      drawAnswers(field.prefix, chosen ? chosen.choices : []);
    });
  }

  function drawAnswers(prefix, choices) {
    const values = document.querySelector('[name="' + prefix + 'condition_values"]');
    if (values) window.answerBoxes(values, choices);
  }

  function showAll(root) {
    root.querySelectorAll("select[name$='-field_type']").forEach((type) => {
      show(type.name.replace(/field_type$/, ""));
    });
  }

  document.addEventListener("change", (event) => {
    if (/-field_type$/.test(event.target.name || "")) show(event.target.name.replace(/field_type$/, ""));
    if (/^fields-\d+-(label|choices|DELETE)$/.test(event.target.name || "")) drawConditions();
  });
  document.addEventListener("input", (event) => {
    if (/^fields-\d+-(label|choices)$/.test(event.target.name || "")) drawConditions();
  });
  new MutationObserver((mutations) =>
    mutations.forEach((mutation) =>
      mutation.addedNodes.forEach((node) => {
        const own = node.matches && node.matches("option, select, label, .condition-choices");
        if (node.querySelectorAll && !own && !(node.closest && node.closest(".condition-choices"))) {
          showAll(node);
          drawConditions();
        }
      }),
    ),
  ).observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", () => {
    showAll(document);
    drawConditions();
  });
})();
