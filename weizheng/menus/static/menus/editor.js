/* The menu editor: shows the used button slots, adds, moves and removes them, counts bytes as
 * WeChat does, draws the phone preview as the clerk types, and asks the server's check (the same
 * rules as saving and publishing) which WeChat rule is broken where.
 * Plain script, no build step. Without it the form still works: every slot is shown. */
(function () {
  "use strict";

  var form = document.querySelector("[data-menu-editor]");
  var configNode = document.getElementById("menu-editor-config");
  if (!form || !configNode) return;
  var config = JSON.parse(configNode.textContent);

  var FIELDS = ["name", "type", "key", "url", "media_id", "article_id", "appid", "pagepath"];
  var VALUE_FIELDS = FIELDS.slice(2);
  var TOPS = 3;
  var SUBS = 5;
  var encoder = new TextEncoder();
  var readOnly = form.querySelector("fieldset.plain").disabled;
  var previewButtons = document.querySelector("[data-preview-buttons]");
  var previewHint = document.querySelector("[data-preview-hint]");
  var checkStatus = document.querySelector("[data-check-status]");

  function bytes(text) { return encoder.encode(text).length; }
  function topPrefix(b) { return "b" + b; }
  function subPrefix(b, s) { return "b" + b + "s" + s; }
  function input(prefix, field) { return form.elements[prefix + "-" + field]; }
  function slotNode(prefix) { return form.querySelector('fieldset.slot[data-prefix="' + prefix + '"]'); }

  function readSlot(prefix) {
    var slot = {};
    FIELDS.forEach(function (field) { slot[field] = input(prefix, field).value; });
    return slot;
  }
  function blankSlot() {
    var slot = {};
    FIELDS.forEach(function (field) { slot[field] = field === "type" ? "click" : ""; });
    return slot;
  }
  function writeSlot(prefix, slot) {
    FIELDS.forEach(function (field) { input(prefix, field).value = slot[field]; });
  }
  function isEmpty(slot) {
    return !["name"].concat(VALUE_FIELDS).some(function (field) { return slot[field].trim(); });
  }

  function readModel() {
    var model = [];
    for (var b = 1; b <= TOPS; b++) {
      var top = readSlot(topPrefix(b));
      top.subs = [];
      for (var s = 1; s <= SUBS; s++) top.subs.push(readSlot(subPrefix(b, s)));
      model.push(top);
    }
    return model;
  }
  function writeModel(model) {
    model.forEach(function (top, i) {
      writeSlot(topPrefix(i + 1), top);
      top.subs.forEach(function (sub, j) { writeSlot(subPrefix(i + 1, j + 1), sub); });
    });
  }
  function topIsEmpty(top) { return isEmpty(top) && top.subs.every(isEmpty); }
  function usedSubs(top) { return top.subs.filter(function (sub) { return !isEmpty(sub); }); }

  // How many slots are shown: the used ones, plus those just added and still empty.
  var shown = { tops: 0, subs: [0, 0, 0] };

  function compactOnLoad() {
    // A form sent without this script may have gaps: close them, as the server does.
    var model = readModel().filter(function (top) { return !topIsEmpty(top); });
    model.forEach(function (top) {
      var subs = usedSubs(top);
      while (subs.length < SUBS) subs.push(blankSlot());
      top.subs = subs;
    });
    var used = model.length;
    while (model.length < TOPS) { var empty = blankSlot(); empty.subs = []; for (var s = 0; s < SUBS; s++) empty.subs.push(blankSlot()); model.push(empty); }
    var before = JSON.stringify(readModel());
    if (JSON.stringify(model) !== before) writeModel(model);
    shown.tops = readOnly ? used : Math.max(used, 1);
    shown.subs = model.map(function (top) { return usedSubs(top).length; });
  }

  function show(node, visible) { if (node) node.hidden = !visible; }

  function applyVisibility() {
    var model = readModel();
    for (var b = 1; b <= TOPS; b++) {
      var top = model[b - 1];
      var node = slotNode(topPrefix(b));
      show(node, b <= shown.tops);
      var hasSubs = usedSubs(top).length > 0;
      show(node.querySelector(".has-subs-note"), hasSubs);
      var actions = node.querySelector(":scope > .action-fields");
      toggleActionFields(actions, top.type, hasSubs);
      for (var s = 1; s <= SUBS; s++) {
        var subNode = slotNode(subPrefix(b, s));
        show(subNode, s <= shown.subs[b - 1]);
        toggleActionFields(subNode.querySelector(".action-fields"), top.subs[s - 1].type, false);
      }
      show(node.querySelector(".add-sub"), !readOnly && shown.subs[b - 1] < SUBS);
    }
    show(form.querySelector(".add-top"), !readOnly && shown.tops < TOPS);
    form.querySelectorAll(".slot-tools").forEach(function (tools) { show(tools, !readOnly); });
    var conditional = form.querySelector('input[name="kind"]:checked');
    show(form.querySelector("[data-match-rule]"), conditional && conditional.value === "conditional");
  }

  function toggleActionFields(container, type, hasSubs) {
    var wanted = config.typeFields[type] || [];
    container.querySelectorAll(":scope > .field").forEach(function (field) {
      var name = field.getAttribute("data-field");
      if (name === "type") show(field, !hasSubs);
      else show(field, !hasSubs && wanted.indexOf(name) !== -1);
    });
  }

  function updateCounters() {
    form.querySelectorAll(".bytes[data-limit]").forEach(function (counter) {
      var field = counter.parentNode.querySelector("input");
      if (!field) return;
      var limit = parseInt(counter.getAttribute("data-limit"), 10);
      var length = bytes(field.value.trim());
      counter.textContent = length + " / " + limit + " " + (config.labels ? config.labels.bytes : "bytes");
      counter.classList.toggle("over", length > limit);
      field.classList.toggle("over", length > limit);
    });
  }

  // --- the phone preview -----------------------------------------------------------------
  function describe(slot) {
    var label = config.typeLabels[slot.type] || slot.type;
    var fields = config.typeFields[slot.type] || [];
    var detail = fields.map(function (field) { return slot[field]; }).filter(Boolean).join(" · ");
    return label + (detail ? "：" + detail : "");
  }

  function focusSlot(prefix) {
    var node = slotNode(prefix);
    if (!node) return;
    form.querySelectorAll(".slot.focused").forEach(function (other) { other.classList.remove("focused"); });
    node.classList.add("focused");
    node.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  var lastPreview = null;

  function renderPreview() {
    var model = readModel();
    // Rebuilt only when what it shows changed: a blur's "change" event must not replace the
    // button being clicked, and an open sub-menu stays open while its names are typed.
    var signature = JSON.stringify([shown.tops, model]);
    if (signature === lastPreview) return;
    lastPreview = signature;
    var open = -1;
    previewButtons.querySelectorAll(".pm-pop").forEach(function (pop) {
      if (!pop.hidden) open = parseInt(pop.getAttribute("data-button"), 10);
    });
    previewButtons.textContent = "";
    for (var b = 1; b <= shown.tops; b++) {
      var top = model[b - 1];
      var subs = [];
      top.subs.forEach(function (sub, j) { if (!isEmpty(sub)) subs.push([j + 1, sub]); });
      var item = document.createElement("div");
      item.className = "pm-item";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pm-top";
      button.setAttribute("data-testid", "preview-button");
      if (bytes(top.name.trim()) > config.limits.topName) button.classList.add("over");
      button.textContent = (subs.length ? "≡ " : "") + (top.name.trim() || "…");
      item.appendChild(button);
      if (subs.length) {
        var pop = document.createElement("div");
        pop.className = "pm-pop";
        pop.setAttribute("data-button", String(b));
        pop.hidden = b !== open;
        subs.forEach(function (pair) {
          var subButton = document.createElement("button");
          subButton.type = "button";
          subButton.className = "pm-sub";
          if (bytes(pair[1].name.trim()) > config.limits.subName) subButton.classList.add("over");
          subButton.textContent = pair[1].name.trim() || "…";
          subButton.addEventListener("click", pressLeaf.bind(null, subPrefix(b, pair[0]), pair[1]));
          pop.appendChild(subButton);
        });
        item.appendChild(pop);
        button.addEventListener("click", togglePop.bind(null, pop, topPrefix(b)));
      } else {
        button.addEventListener("click", pressLeaf.bind(null, topPrefix(b), top));
      }
      previewButtons.appendChild(item);
    }
  }

  function closePops(except) {
    previewButtons.querySelectorAll(".pm-pop").forEach(function (pop) { if (pop !== except) pop.hidden = true; });
  }
  function togglePop(pop, prefix) {
    closePops(pop);
    pop.hidden = !pop.hidden;
    focusSlot(prefix);
  }
  function pressLeaf(prefix, slot) {
    closePops(null);
    previewHint.textContent = (slot.name.trim() || "…") + " → " + describe(slot);
    focusSlot(prefix);
  }

  // --- the server's check ----------------------------------------------------------------
  var checkTimer = null;
  var checkSequence = 0;

  function scheduleCheck() {
    if (readOnly || !config.checkUrl) return;
    clearTimeout(checkTimer);
    checkTimer = setTimeout(runCheck, 500);
  }

  function runCheck() {
    var sequence = ++checkSequence;
    var data = new FormData(form);
    fetch(config.checkUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (!answer || sequence !== checkSequence) return;
        showErrors(answer.errors || {});
        checkStatus.textContent = answer.is_valid ? config.labels.valid : config.labels.invalid;
        checkStatus.className = "check-status " + (answer.is_valid ? "ok" : "bad");
      })
      .catch(function () { /* offline: saving still checks */ });
  }

  function errorList(messages) {
    var list = document.createElement("ul");
    list.className = "errorlist";
    messages.forEach(function (message) {
      var item = document.createElement("li");
      item.textContent = message;
      list.appendChild(item);
    });
    return list;
  }

  function clearErrors() {
    form.querySelectorAll(".field-errors").forEach(function (box) { box.textContent = ""; });
  }

  function showErrors(errors) {
    clearErrors();
    var general = [];
    Object.keys(errors).forEach(function (field) {
      var box = field ? form.querySelector('.field-errors[data-errors-for="' + field + '"]') : null;
      // A message for a hidden field would go unseen: it joins the general ones.
      if (!box || box.closest("[hidden]")) { general = general.concat(errors[field]); return; }
      box.appendChild(errorList(errors[field]));
    });
    if (general.length) form.querySelector('.field-errors[data-errors-for=""]').appendChild(errorList(general));
  }

  // --- structure changes -----------------------------------------------------------------
  function emptyTop() {
    var top = blankSlot();
    top.subs = [];
    for (var s = 0; s < SUBS; s++) top.subs.push(blankSlot());
    return top;
  }

  function operate(op, slot) {
    var model = readModel();
    var b = parseInt(slot ? slot.getAttribute("data-button") : "0", 10);
    var s = slot && slot.hasAttribute("data-sub") ? parseInt(slot.getAttribute("data-sub"), 10) : 0;
    var focus = null;
    if (op === "add-top") {
      shown.tops = Math.min(TOPS, shown.tops + 1);
      focus = topPrefix(shown.tops);
    } else if (op === "add-sub") {
      shown.subs[b - 1] = Math.min(SUBS, shown.subs[b - 1] + 1);
      focus = subPrefix(b, shown.subs[b - 1]);
    } else if (s === 0) {
      var tops = model.slice(0, shown.tops);
      var counts = shown.subs.slice(0, shown.tops);
      var i = b - 1;
      var j = op === "up" ? i - 1 : op === "down" ? i + 1 : -1;
      if (op === "remove") {
        tops.splice(i, 1);
        counts.splice(i, 1);
      } else if (j >= 0 && j < tops.length) {
        var t = tops[i]; tops[i] = tops[j]; tops[j] = t;
        var c = counts[i]; counts[i] = counts[j]; counts[j] = c;
        focus = topPrefix(j + 1);
      }
      shown.tops = Math.max(1, tops.length);
      while (tops.length < TOPS) { tops.push(emptyTop()); counts.push(0); }
      shown.subs = counts;
      model = tops;
    } else {
      var subs = model[b - 1].subs.slice(0, shown.subs[b - 1]);
      var k = s - 1;
      var m = op === "up" ? k - 1 : op === "down" ? k + 1 : -1;
      if (op === "remove") subs.splice(k, 1);
      else if (m >= 0 && m < subs.length) { var u = subs[k]; subs[k] = subs[m]; subs[m] = u; focus = subPrefix(b, m + 1); }
      shown.subs[b - 1] = subs.length;
      while (subs.length < SUBS) subs.push(blankSlot());
      model[b - 1].subs = subs;
    }
    writeModel(model);
    clearErrors();  // they named places that have moved; the check below places them again
    refresh();
    scheduleCheck();
    if (focus) {
      focusSlot(focus);
      input(focus, "name").focus();
    }
  }

  function refresh() {
    applyVisibility();
    updateCounters();
    renderPreview();
  }

  form.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-op]");
    if (!trigger || readOnly) return;
    event.preventDefault();
    operate(trigger.getAttribute("data-op"), trigger.closest("fieldset.slot"));
  });
  form.addEventListener("input", function () { refresh(); scheduleCheck(); });
  form.addEventListener("change", function () { refresh(); scheduleCheck(); });
  form.addEventListener("focusin", function (event) {
    var slot = event.target.closest("fieldset.slot");
    if (slot) {
      form.querySelectorAll(".slot.focused").forEach(function (other) { if (other !== slot) other.classList.remove("focused"); });
      slot.classList.add("focused");
    }
  });

  document.documentElement.classList.add("menu-editor-js");
  compactOnLoad();
  refresh();
})();
