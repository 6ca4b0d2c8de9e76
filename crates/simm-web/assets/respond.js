// simm respondent pages: saves each answer the moment it is given.
//
// The page works without this script: its form saves every answer on
// "Save and continue". With it, a change of a radio button posts that one
// answer, and leaving the comment field posts the comment, to the URLs in
// the form's data attributes. Saves go one at a time, in the order given,
// so a quick change of mind cannot arrive before the answer it replaces.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.URLSearchParams) {
    return;
  }
  var status = document.querySelector("[data-autosave-status]");
  var problem = document.querySelector("[data-autosave-error]");
  var answeredText = document.querySelector("[data-answered]");
  var bar = document.querySelector("progress[data-progress]");
  var elsewhere = parseInt(form.getAttribute("data-answered-elsewhere"), 10) || 0;
  var queue = Promise.resolve();
  var clearTimer = null;

  // The mark beside the answer or comment shows sighted users what became
  // of it; the status region tells screen readers (the marks are hidden
  // from them, so nothing is announced twice).
  function mark(element, text, failed) {
    if (!element) {
      return;
    }
    window.clearTimeout(element.simmTimer);
    element.textContent = text;
    element.classList.toggle("failed", failed);
    if (!failed) {
      element.simmTimer = window.setTimeout(function () {
        element.textContent = "";
      }, 4000);
    }
  }

  function showSaved() {
    problem.hidden = true;
    problem.textContent = "";
    // Emptying first makes a screen reader announce a repeated "Saved".
    status.textContent = "";
    window.setTimeout(function () {
      status.textContent = "Saved";
    }, 50);
    window.clearTimeout(clearTimer);
    clearTimer = window.setTimeout(function () {
      status.textContent = "";
    }, 4000);
  }

  function showProblem(text) {
    status.textContent = "";
    problem.textContent = text;
    problem.hidden = false;
  }

  // The server's reason, from the role=alert paragraph of its error page.
  function reasonOf(response) {
    return response.text().then(function (html) {
      var page = new DOMParser().parseFromString(html, "text/html");
      var alert = page.querySelector("[role=alert]");
      return alert ? alert.textContent.trim() : "The server answered " + response.status + ".";
    });
  }

  function save(url, fields, marker) {
    queue = queue.then(function () {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString()
      }).then(function (response) {
        if (response.ok) {
          mark(marker, "Saved", false);
          showSaved();
          return;
        }
        return reasonOf(response).then(function (reason) {
          mark(marker, "Not saved: see the message at the end of this page", true);
          showProblem("Not saved: " + reason);
        });
      }, function () {
        mark(marker, "Not saved: see the message at the end of this page", true);
        showProblem("Not saved: the server could not be reached. Your answers on this page are saved when you press the button at the end of the page.");
      });
    });
  }

  function updateProgress() {
    var here = 0;
    var statements = form.querySelectorAll("[data-item]");
    for (var i = 0; i < statements.length; i++) {
      if (statements[i].querySelector("input[type=radio]:checked")) {
        here++;
      }
    }
    var answered = elsewhere + here;
    if (answeredText) {
      answeredText.textContent = String(answered);
    }
    if (bar) {
      bar.value = answered;
      bar.textContent = answered + " of " + form.getAttribute("data-total");
    }
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "radio") {
      var statement = input.closest("[data-item]");
      if (!statement) {
        return;
      }
      updateProgress();
      save(form.getAttribute("data-answer-url"), {
        item: statement.getAttribute("data-item"),
        value: input.value
      }, statement.querySelector("[data-saved]"));
    } else if (input.name === "comment") {
      save(form.getAttribute("data-comment-url"), {
        area: form.getAttribute("data-area"),
        comment: input.value
      }, form.querySelector("#comment ~ [data-saved]"));
    }
  });
})();
