// The composer: shows the text, the library picker, the articles or the media id by message type, the segment's criteria only
// for a segment, and counts the text's bytes as WeChat does (UTF-8).
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) return;
  var type = form.querySelector('[name="message_type"]');
  var text = form.querySelector('[name="text"]');
  var counter = document.getElementById("text-bytes");
  var segment = form.querySelector(".segment");
  var order = document.getElementById("article-order");
  var picked = order && order.value ? order.value.split(",") : [];
  function show(selector, visible) {
    form.querySelectorAll(selector).forEach(function (el) { el.hidden = !visible; });
  }
  // The articles in the order they were ticked; the number shows the place in the message.
  function updateArticles(changed) {
    if (!order) return;
    if (changed) {
      var at = picked.indexOf(changed.value);
      if (changed.checked && at < 0) picked.push(changed.value);
      if (!changed.checked && at >= 0) picked.splice(at, 1);
    }
    order.value = picked.join(",");
    form.querySelectorAll('[name="article_pick"]').forEach(function (box) {
      var mark = box.parentNode.querySelector("[data-order]");
      var place = picked.indexOf(box.value);
      if (mark) mark.textContent = place >= 0 ? String(place + 1) : "";
    });
  }
  function update() {
    var kind = type.value;
    var isText = kind === "text";
    show(".group-text > *", isText);
    show(".group-media > *", !isText);
    show(".group-library > *", kind === "image" || kind === "voice" || kind === "video");
    show(".group-video > *", kind === "video");
    show(".group-news > *", kind === "news");
    show(".text-only", isText);
    form.querySelectorAll(".picker").forEach(function (el) { el.hidden = el.dataset.kind !== kind; });
    var audience = form.querySelector('[name="audience_kind"]:checked');
    segment.hidden = !audience || audience.value !== "segment";
    if (counter) counter.textContent = new TextEncoder().encode(text.value).length + " / 2048";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", function (event) {
    if (event.target.name === "article_pick") updateArticles(event.target);
    update();
  });
  updateArticles(null);
  update();
})();
