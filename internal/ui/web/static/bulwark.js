/*
 * Bulwark's progressive enhancement. Every page works without it; it only adds:
 *
 *  - data-confirm="Question?" on a <form>, or on the submit button that sends it: asks the
 *    question before submitting, and cancels the submission unless the user agrees.
 *  - data-copy="text" or data-copy-target="#element-id" on a <button type="button">: copies the
 *    text (or the element's value / text) to the clipboard, shows "Copied" on the button for two
 *    seconds and announces it to screen readers. Give the button the hidden attribute to show it
 *    only when copying is possible. If the button holds an element with class bw-copy__label,
 *    only that element's text changes.
 *
 * Loaded with <script src>, never inline, so the strict Content-Security-Policy holds.
 */
(function () {
  "use strict";

  var COPIED_MS = 2000;

  // Capture phase, so a declined confirmation also stops htmx and other submit handlers.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      var submitter = event.submitter;
      var question =
        (submitter && submitter.getAttribute("data-confirm")) ||
        (form && form.getAttribute && form.getAttribute("data-confirm"));
      if (question && !window.confirm(question)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  var liveRegion = null;

  function announce(message) {
    if (!liveRegion) {
      liveRegion = document.createElement("div");
      liveRegion.className = "usa-sr-only";
      liveRegion.setAttribute("aria-live", "polite");
      document.body.appendChild(liveRegion);
    }
    liveRegion.textContent = "";
    window.setTimeout(function () {
      liveRegion.textContent = message;
    }, 50);
  }

  function textFor(button) {
    var selector = button.getAttribute("data-copy-target");
    if (selector) {
      var source = document.querySelector(selector);
      if (!source) {
        return null;
      }
      if (source.matches("input, textarea, select")) {
        return source.value;
      }
      return source.textContent.trim();
    }
    return button.getAttribute("data-copy");
  }

  // For browsers without the async clipboard API, or pages not in a secure context.
  function copyWithSelection(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "usa-sr-only";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy failed"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyWithSelection(text);
      });
    }
    return copyWithSelection(text);
  }

  function showCopied(button) {
    var label = button.querySelector(".bw-copy__label") || button;
    if (!button.hasAttribute("data-copy-original")) {
      button.setAttribute("data-copy-original", label.textContent);
    }
    label.textContent = button.getAttribute("data-copied-text") || "Copied";
    button.classList.add("bw-copied");
    window.clearTimeout(button.bwCopyTimer);
    button.bwCopyTimer = window.setTimeout(function () {
      label.textContent = button.getAttribute("data-copy-original");
      button.removeAttribute("data-copy-original");
      button.classList.remove("bw-copied");
    }, COPIED_MS);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy], [data-copy-target]");
    if (!button) {
      return;
    }
    var text = textFor(button);
    if (text === null) {
      return;
    }
    event.preventDefault();
    copy(text).then(
      function () {
        showCopied(button);
        announce("Copied to clipboard");
      },
      function () {
        announce("Could not copy. Select the text and copy it yourself.");
      }
    );
  });

  function revealCopyButtons(root) {
    var buttons = root.querySelectorAll("[data-copy][hidden], [data-copy-target][hidden]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].removeAttribute("hidden");
    }
  }

  var canCopy =
    (navigator.clipboard && window.isSecureContext) ||
    (document.queryCommandSupported && document.queryCommandSupported("copy"));

  if (canCopy) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () {
        revealCopyButtons(document);
      });
    } else {
      revealCopyButtons(document);
    }
    // Content that htmx swaps in later.
    document.addEventListener("htmx:load", function (event) {
      if (event.target && event.target.querySelectorAll) {
        revealCopyButtons(event.target);
      }
    });
  }
})();
