// The composer: shows the text or the media id by message type, the segment's criteria only
// for a segment, and counts the text's bytes as WeChat does (UTF-8).
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) return;
  var type = form.querySelector('[name="message_type"]');
  var text = form.querySelector('[name="text"]');
  var counter = document.getElementById("text-bytes");
  var segment = form.querySelector(".segment");
  function update() {
    var isText = type.value === "text";
    form.querySelectorAll(".group-text > *").forEach(function (el) { el.hidden = !isText; });
    form.querySelectorAll(".group-media > *").forEach(function (el) { el.hidden = isText; });
    var kind = form.querySelector('[name="audience_kind"]:checked');
    segment.hidden = !kind || kind.value !== "segment";
    if (counter) counter.textContent = new TextEncoder().encode(text.value).length + " / 2048";
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
