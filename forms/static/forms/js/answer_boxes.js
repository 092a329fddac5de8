// A condition's answers ticked from its field's choices, shared by the form editor and the
// process editor: the boxes stand in for the value lines of `values` (a textarea), which they
// write; a field without choices keeps the textarea.
window.answerBoxes = function (values, choices) {
  "use strict";
  let boxes = values.parentElement.querySelector(".condition-choices");
  if (!boxes) {
    boxes = document.createElement("div");
    boxes.className = "condition-choices";
    values.after(boxes);
  }
  const lines = values.value.split("\n").map((line) => line.trim());
  boxes.replaceChildren();
  values.hidden = choices.length > 0;
  choices.forEach((choice) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.value = choice;
    box.checked = lines.includes(choice);
    box.addEventListener("change", () => {
      values.value = Array.from(boxes.querySelectorAll("input:checked"), (i) => i.value).join("\n");
    });
    label.append(box, " " + choice);
    boxes.append(label);
  });
};
