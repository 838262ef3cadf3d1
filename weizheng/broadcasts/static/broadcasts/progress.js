// The broadcast's progress bar: polls the progress endpoint until the broadcast is finished.
(function () {
  "use strict";
  var card = document.getElementById("progress");
  if (!card) return;
  function field(name, value) {
    var el = card.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = value;
  }
  function poll() {
    fetch(card.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        card.querySelector(".bar").style.width = data.percent + "%";
        ["heading", "percent", "chunks_done", "chunks_total", "state_label", "last_error"].forEach(function (k) {
          field(k, data[k] == null ? "" : data[k]);
        });
        ["total", "filtered", "sent", "errors"].forEach(function (k) {
          field("results." + k, data.results[k]);
        });
        var reported = card.querySelector('[data-field="reported"]');
        if (reported && reported.dataset.template) {
          reported.textContent = reported.dataset.template.replace("__N__", data.results.reported_chunks);
        }
        var badge = document.querySelector('[data-testid="send-state"]');
        if (badge) { badge.textContent = data.state_label; badge.className = "badge state-" + data.state; }
        // Sent, failed or cancelled while the page was open: nothing is left to cancel.
        var cancelForm = document.getElementById("cancel-form");
        if (cancelForm && !data.is_cancellable) {
          cancelForm.hidden = true;
          cancelForm.style.display = "none";
          cancelForm.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
        }
        // Results arrive a little after the last call: keep polling briefly after the end.
        if (!data.is_finished || data.results.reported_chunks < data.chunks_done) {
          window.setTimeout(poll, 1500);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, card.dataset.finished === "1" ? 0 : 1000);
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
