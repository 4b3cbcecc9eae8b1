/* Kehu web pages: small progressive enhancements. Every page works without this file;
   it adds the menu toggle, auto-submitting selects, "select all", cloning of repeated form
   blocks and drag and drop on the pipeline board. */
(function () {
  "use strict";

  function on(root, selector, event, handler) {
    root.addEventListener(event, function (e) {
      var target = e.target.closest(selector);
      if (target && root.contains(target)) handler(e, target);
    });
  }

  // Mobile menu.
  on(document, "[data-nav-toggle]", "click", function (e, button) {
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // A select that submits its form when changed (language switch, saved views).
  on(document, "select[data-autosubmit]", "change", function (e, select) {
    if (select.form.requestSubmit) select.form.requestSubmit(); else select.form.submit();
  });

  // Bulk selection in lists: "select all" and the count of selected rows.
  function refreshBulk(scope) {
    var boxes = scope.querySelectorAll("input[data-bulk-item]");
    var chosen = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    scope.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = chosen; });
    scope.querySelectorAll("[data-bulk-needs-selection]").forEach(function (el) { el.disabled = chosen === 0; });
  }
  on(document, "input[data-bulk-all]", "change", function (e, all) {
    var scope = all.closest("[data-bulk-scope]") || document;
    scope.querySelectorAll("input[data-bulk-item]").forEach(function (b) { b.checked = all.checked; });
    refreshBulk(scope);
  });
  on(document, "input[data-bulk-item]", "change", function (e, box) {
    refreshBulk(box.closest("[data-bulk-scope]") || document);
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-bulk-scope]").forEach(refreshBulk);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-bulk-scope]").forEach(refreshBulk);
  });

  // Repeated blocks (another contact, another phone): clone the <template>, renumber [N].
  on(document, "[data-add-block]", "click", function (e, button) {
    e.preventDefault();
    var template = document.getElementById(button.getAttribute("data-add-block"));
    var target = document.getElementById(button.getAttribute("data-target"));
    var index = target.querySelectorAll("[data-block]").length;
    var html = template.innerHTML.replace(/__N__/g, String(index)).replace(/__NUM__/g, String(index + 1));
    target.insertAdjacentHTML("beforeend", html);
    var first = target.lastElementChild && target.lastElementChild.querySelector("input, select, textarea");
    if (first) first.focus();
  });

  // The export takes the filters as they are now (htmx has changed them since the page loaded).
  on(document, "form[data-export-form]", "submit", function (e, form) {
    var filters = document.getElementById("filter-form");
    if (filters && window.URLSearchParams) {
      form.querySelector("input[name=query]").value = new URLSearchParams(new FormData(filters)).toString();
    }
  });

  // The pipeline board: drag a card onto another column. Moving to deal or lost opens the dialog
  // that asks what R22 requires; the other moves submit straight away. Keyboard users use the
  // "move to" select on each card, which goes through the same form.
  function boardDialog(stage) {
    return document.getElementById("move-dialog-" + stage);
  }

  function submitMove(card, stage) {
    var dialog = boardDialog(stage);
    if (dialog) {
      dialog.querySelector("input[name=customer]").value = card.getAttribute("data-customer");
      dialog.querySelector("input[name=version]").value = card.getAttribute("data-version");
      dialog.querySelector("[data-customer-name]").textContent = card.getAttribute("data-name");
      dialog.showModal();
      var first = dialog.querySelector("input:not([type=hidden]), textarea");
      if (first) first.focus();
      return;
    }
    var form = card.querySelector("form.move-form");
    form.querySelector("select[name=stage]").value = stage;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  on(document, "form.move-form", "submit", function (e, form) {
    var stage = form.querySelector("select[name=stage]").value;
    if (boardDialog(stage) && !form.hasAttribute("data-confirmed")) {
      e.preventDefault();
      submitMove(form.closest(".board-card"), stage);
    }
  });

  on(document, "[data-dialog-close]", "click", function (e, button) {
    e.preventDefault();
    button.closest("dialog").close();
  });

  var dragged = null;
  on(document, ".board-card[draggable]", "dragstart", function (e, card) {
    dragged = card;
    card.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", card.getAttribute("data-customer"));
  });
  on(document, ".board-card[draggable]", "dragend", function (e, card) {
    card.classList.remove("dragging");
    document.querySelectorAll(".column.drop-target").forEach(function (c) { c.classList.remove("drop-target"); });
  });
  // A card may go only where its "move to" select offers (no deal for those who may not record
  // its amount).
  function mayMove(card, stage) {
    return !!card.querySelector('select[name=stage] option[value="' + stage + '"]');
  }
  on(document, ".column[data-stage]", "dragover", function (e, column) {
    if (!dragged || !mayMove(dragged, column.getAttribute("data-stage"))) return;
    e.preventDefault();
    column.classList.add("drop-target");
  });
  on(document, ".column[data-stage]", "dragleave", function (e, column) {
    if (!column.contains(e.relatedTarget)) column.classList.remove("drop-target");
  });
  on(document, ".column[data-stage]", "drop", function (e, column) {
    e.preventDefault();
    column.classList.remove("drop-target");
    if (!dragged) return;
    var card = dragged;
    dragged = null;
    if (card.closest(".column") === column || !mayMove(card, column.getAttribute("data-stage"))) return;
    submitMove(card, column.getAttribute("data-stage"));
  });

  // Sections that start open on a wide screen and closed on a phone (the list's filters).
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia("(max-width: 1079px)").matches) {
      document.querySelectorAll("details[data-collapse-narrow]").forEach(function (d) { d.removeAttribute("open"); });
    }
  });

  // A form that came back with errors: put the keyboard on the first field to fix.
  document.addEventListener("DOMContentLoaded", function () {
    var bad = document.querySelector("main [aria-invalid=true]");
    if (bad && !document.querySelector("dialog[data-open]")) bad.focus();
  });

  // Open a dialog that the server rendered with errors in it.
  document.addEventListener("DOMContentLoaded", function () {
    var open = document.querySelector("dialog[data-open]");
    if (open) open.showModal();
  });
})();
