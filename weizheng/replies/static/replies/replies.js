/* Automatic replies in the back office: confirmation of deletions; in the editor, the fields of
 * the chosen reply type only, article slots, the text's byte count and a live chat preview.
 * Plain script, no build step; the pages work without it (every field shown). */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  var form = document.querySelector("[data-reply-editor]");
  var configNode = document.getElementById("reply-editor-config");
  if (!form || !configNode) return;
  var config = JSON.parse(configNode.textContent);
  var ARTICLE_FIELDS = ["title", "description", "url", "pic_url"];
  var CONTENT_FIELDS = ["text", "media_id", "title", "description", "music_url", "hq_music_url", "thumb_media_id"];
  var encoder = new TextEncoder();
  var answer = document.querySelector("[data-preview-answer]");
  var question = document.querySelector("[data-preview-question]");
  var shownArticles = 1;

  function value(name) {
    var field = form.elements[name];
    return field ? field.value.trim() : "";
  }
  function article(number) {
    var data = {};
    ARTICLE_FIELDS.forEach(function (field) { data[field] = value("a" + number + "-" + field); });
    return data;
  }
  function isEmptyArticle(data) {
    return !ARTICLE_FIELDS.some(function (field) { return data[field]; });
  }
  function setArticle(number, data) {
    ARTICLE_FIELDS.forEach(function (field) { form.elements["a" + number + "-" + field].value = data ? data[field] : ""; });
  }
  function toggle(selector, visible) {
    form.querySelectorAll(selector).forEach(function (node) { node.hidden = !visible; });
  }

  function applyVisibility() {
    var type = value("reply_type") || "text";
    var used = config.typeFields[type] || [];
    CONTENT_FIELDS.forEach(function (field) {
      toggle('[data-field="' + field + '"]', used.indexOf(field) !== -1);
    });
    toggle('.articles[data-field="articles"]', used.indexOf("articles") !== -1);
    if (form.elements.match) {
      toggle('[data-field="pattern"]', config.noPattern.indexOf(value("match")) === -1);
    }
    for (var n = 1; n <= config.maxArticles; n++) {
      var slot = form.querySelector('fieldset.article[data-article="' + n + '"]');
      slot.hidden = n > shownArticles;
      var remove = slot.querySelector('[data-op="remove-article"]');
      if (remove) remove.hidden = shownArticles < 2;
    }
    toggle('[data-op="add-article"]', shownArticles < config.maxArticles);
  }

  function updateCounter() {
    var counter = form.querySelector(".bytes");
    if (!counter || !form.elements.text) return;
    var length = encoder.encode(form.elements.text.value.trim()).length;
    counter.textContent = length + " / " + config.textLimit + " " + config.bytes;
    counter.classList.toggle("over", length > config.textLimit);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderPreview() {
    var type = value("reply_type") || "text";
    answer.textContent = "";
    var bubble;
    if (type === "text") {
      bubble = element("div", "bubble");
      // Line breaks as the phone shows them; the text itself is never parsed as HTML.
      value("text").split("\n").forEach(function (line, index) {
        if (index) bubble.appendChild(document.createElement("br"));
        bubble.appendChild(document.createTextNode(line));
      });
      if (!value("text")) bubble.textContent = "…";
    } else if (type === "news") {
      bubble = element("div", "news");
      for (var n = 1; n <= shownArticles; n++) {
        var data = article(n);
        if (isEmptyArticle(data)) continue;
        var item = element("div", "news-item" + (bubble.childNodes.length ? "" : " first"));
        item.appendChild(element("div", "news-title", data.title || "…"));
        if (!bubble.childNodes.length && data.description) item.appendChild(element("div", "news-description", data.description));
        if (data.url) item.appendChild(element("div", "news-url", data.url));
        bubble.appendChild(item);
      }
      if (!bubble.childNodes.length) bubble.appendChild(element("div", "news-item first", "…"));
    } else {
      var icons = { image: "🖼 ", voice: "🔊 ", video: "▶ ", music: "♪ " };
      bubble = element("div", "bubble media");
      bubble.appendChild(document.createTextNode(icons[type] || ""));
      bubble.appendChild(element("strong", "", value("title") || form.elements.reply_type.selectedOptions[0].text));
      if (value("description")) { bubble.appendChild(document.createElement("br")); bubble.appendChild(document.createTextNode(value("description"))); }
      if (value("media_id")) { bubble.appendChild(document.createElement("br")); bubble.appendChild(element("code", "", value("media_id"))); }
    }
    answer.appendChild(bubble);
    if (question) {
      var match = value("match");
      question.textContent = match === "any" ? "…" : value("pattern") || "…";
    }
  }

  function refresh() {
    applyVisibility();
    updateCounter();
    renderPreview();
  }

  form.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-op]");
    if (!trigger) return;
    event.preventDefault();
    if (trigger.getAttribute("data-op") === "add-article") {
      shownArticles = Math.min(config.maxArticles, shownArticles + 1);
      refresh();
      form.elements["a" + shownArticles + "-title"].focus();
    } else if (trigger.getAttribute("data-op") === "remove-article") {
      var number = parseInt(trigger.closest("fieldset.article").getAttribute("data-article"), 10);
      for (var n = number; n < config.maxArticles; n++) setArticle(n, article(n + 1));
      setArticle(config.maxArticles, null);
      shownArticles = Math.max(1, shownArticles - 1);
      refresh();
    }
  });
  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);

  // Show the filled article slots (and those with an error), at least one.
  for (var n = config.maxArticles; n >= 1; n--) {
    var slot = form.querySelector('fieldset.article[data-article="' + n + '"]');
    if (!isEmptyArticle(article(n)) || slot.querySelector(".errorlist")) { shownArticles = n; break; }
  }
  refresh();
})();
