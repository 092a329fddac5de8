/* People's Grid forms: show a field only when an earlier field has one of the listed answers
   (or any answer when none are listed). The server applies the same rule when the form is sent
   (forms/builder.py), so without this script every field shows, with a note saying when to
   answer it. */
(function () {
    "use strict";

    function answers(form, name) {
        var row = document.getElementById("row-" + name);
        if (row && row.hidden) {
            return [];
        }
        var values = [];
        var inputs = form.querySelectorAll("[name='" + name + "'], [name='" + name + "-kept']");
        Array.prototype.forEach.call(inputs, function (input) {
            if (input.type === "checkbox" || input.type === "radio") {
                if (input.checked) { values.push(input.value); }
            } else if (input.tagName === "SELECT") {
                Array.prototype.forEach.call(input.selectedOptions, function (option) {
                    if (option.value) { values.push(option.value); }
                });
            } else if (input.type === "file") {
                if (input.files && input.files.length) { values.push(input.files[0].name); }
            } else if (input.value.trim()) {
                values.push(input.value);
            }
        });
        return values;
    }

    function update(form) {
        // Rows come in document order, so a field controlled by a hidden field hides too.
        Array.prototype.forEach.call(form.querySelectorAll("[data-show-when]"), function (row) {
            var wanted = JSON.parse(row.getAttribute("data-show-values") || "[]");
            var given = answers(form, row.getAttribute("data-show-when"));
            row.hidden = wanted.length
                ? !given.some(function (value) { return wanted.indexOf(value) !== -1; })
                : given.length === 0;
        });
    }

    function init() {
        Array.prototype.forEach.call(document.querySelectorAll("form[data-conditional]"), function (form) {
            form.addEventListener("change", function () { update(form); });
            form.addEventListener("input", function () { update(form); });
            update(form);
        });
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", init);
    } else {
        init();
    }
}());
