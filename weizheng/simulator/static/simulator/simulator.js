/* The phone simulator. Talks only to /simulator/api/..., which talks to the mock WeChat platform.
 * Everything a reply or a message carries is shown with textContent (never innerHTML): replies
 * come from staff and from whatever an account's server answers. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("sim-config").textContent);
  const S = config.strings;
  const $ = (id) => document.getElementById(id);

  const state = {
    account: null, // {slug, name}
    people: [],
    user: null, // the citizen on the phone: {openid, nickname, avatar_url, is_subscribed}
    lastId: 0,
    seen: new Set(),
    polling: false,
    generation: 0, // bumped on each switch, so late answers for the previous citizen are dropped
  };

  // --- helpers ---------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
  }

  function status(message) {
    $("sim-status").textContent = message || "";
  }

  async function call(method, path, body) {
    const response = await fetch(config.api + path, {
      method,
      headers: body
        ? { "Content-Type": "application/json", "X-CSRFToken": config.csrfToken }
        : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) {
      const message = (data && data.message) || "HTTP " + response.status;
      throw new Error(message);
    }
    return data;
  }

  function userPath(suffix) {
    return `${state.account.slug}/users/${encodeURIComponent(state.user.openid)}${suffix || ""}`;
  }

  // --- chat rendering ----------------------------------------------------------------------------
  const messages = $("phone-messages");

  function scrollDown() {
    messages.scrollTop = messages.scrollHeight;
  }

  function accountAvatar() {
    const name = (state.account && state.account.name) || "?";
    return el("div", { class: "msg__avatar msg__avatar_account", text: name.slice(0, 1) });
  }

  // A picture when the user has one; otherwise the first letter of their name, as WeChat's
  // grey placeholder would be.
  function avatar(person, className, initialClass) {
    if (person.avatar_url) return el("img", { class: className, src: person.avatar_url, alt: "" });
    return el("div", { class: `${className} ${initialClass}`, text: (person.nickname || "?").slice(0, 1) });
  }

  function userAvatar() {
    return avatar(state.user, "msg__avatar", "msg__avatar_initial");
  }

  // WeChat shows <a href="...">label</a> in a text message as a link; anything else is text.
  function richText(text) {
    const fragment = document.createDocumentFragment();
    const pattern = /<a\s+href=(["'])(https?:\/\/[^"']+)\1[^>]*>([\s\S]*?)<\/a>/gi;
    let last = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      fragment.append(document.createTextNode(text.slice(last, match.index)));
      const url = match[2];
      // Kept now: `match` is null by the time the link is tapped (the loop ran to its end).
      const label = match[3];
      fragment.append(
        el("a", {
          href: url,
          text: label,
          onclick: (event) => {
            event.preventDefault();
            openPage(url, label);
          },
        })
      );
      last = pattern.lastIndex;
    }
    fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  function openArticle(url, title) {
    if (url) openPage(url, title);
  }

  function bubbleNode(b) {
    switch (b.type) {
      case "text":
        return el("div", { class: "bubble", "data-type": "text" }, richText(b.text));
      case "image":
        return el("div", { class: "bubble bubble_image", "data-type": "image" }, el("img", { src: b.src, alt: "" }));
      case "voice":
        return el("div", { class: "bubble bubble_voice", "data-type": "voice", text: "))) " + S.voice_message });
      case "video":
        return el(
          "div",
          { class: "card card_media", "data-type": "video" },
          el("div", { class: "card__icon", text: "▶" }),
          el("div", {}, el("div", { class: "card__title", text: b.title || S.voice_message }), el("div", { class: "card__desc", text: b.description }))
        );
      case "music":
        return el(
          "div",
          { class: "card card_media", "data-type": "music", onclick: () => b.url && window.open(b.url, "_blank", "noopener") },
          el("div", { class: "card__icon", text: "♪" }),
          el("div", {}, el("div", { class: "card__title", text: b.title }), el("div", { class: "card__desc", text: b.description }))
        );
      case "news":
        return newsCard(b.articles || []);
      case "template":
        return templateCard(b);
      case "menu":
        return el(
          "div",
          { class: "bubble", "data-type": "menu" },
          b.head ? el("div", { text: b.head }) : null,
          ...(b.options || []).map((o) =>
            el("a", { class: "msgmenu__option", text: o.text, onclick: () => sendText(o.text) })
          ),
          b.tail ? el("div", { text: b.tail }) : null
        );
      default: {
        const label = S[b.kind] || S.unknown;
        return el("div", { class: "bubble", "data-type": "notice", text: `[${label}] ${b.text || ""}`.trim() });
      }
    }
  }

  function newsCard(articles) {
    const [first, ...rest] = articles;
    if (!first) return el("div", { class: "bubble", text: "" });
    const card = el("div", { class: "card", "data-type": "news" });
    if (rest.length === 0) {
      // append() writes null as the text "null": leave the cover out when there is no picture.
      const parts = [el("div", { class: "card__title", text: first.title })];
      if (first.pic_url) parts.push(coverNode(first, false));
      parts.push(el("div", { class: "card__desc", text: first.description }));
      card.append(...parts);
      card.addEventListener("click", () => openArticle(first.url, first.title));
      return card;
    }
    const cover = coverNode(first, true);
    cover.addEventListener("click", () => openArticle(first.url, first.title));
    card.append(cover);
    for (const article of rest) {
      const row = el(
        "div",
        { class: "card__row", onclick: () => openArticle(article.url, article.title) },
        el("span", { text: article.title }),
        article.pic_url ? el("img", { src: article.pic_url, alt: "" }) : null
      );
      card.append(row);
    }
    return card;
  }

  function coverNode(article, withTitle) {
    const cover = el("div", { class: "card__cover" }, withTitle ? el("span", { text: article.title }) : null);
    if (/^https?:\/\//.test(article.pic_url || "")) {
      cover.style.backgroundImage = `url("${encodeURI(article.pic_url).replace(/"/g, "%22")}")`;
    }
    return cover;
  }

  function templateCard(b) {
    const card = el("div", { class: "card", "data-type": "template" }, el("div", { class: "card__title", text: b.title || S.template }));
    for (const row of b.rows || []) {
      card.append(el("div", { class: "card__kv" }, el("span", { text: row.name }), el("span", { text: row.value })));
    }
    if (b.url) {
      card.append(el("a", { class: "card__link", href: b.url, text: S.details + " ›", onclick: (event) => { event.preventDefault(); openPage(b.url, b.title); } }));
    } else {
      card.append(el("div", { class: "card__desc" }));
    }
    return card;
  }

  function showIncoming(b) {
    if (b.id !== null && b.id !== undefined) {
      if (state.seen.has(b.id)) return;
      state.seen.add(b.id);
    }
    const body = el("div", { class: "msg__body" }, bubbleNode(b));
    if (b.channel && b.channel !== "passive" && S[b.channel]) {
      body.append(el("div", { class: "bubble__channel", text: S[b.channel] }));
    }
    messages.append(el("div", { class: "msg msg_in", "data-channel": b.channel || "passive", "data-id": b.id ?? "" }, accountAvatar(), body));
    scrollDown();
  }

  function showOutgoing(node, caption) {
    const body = el("div", { class: "msg__body" }, node);
    if (caption) body.append(el("div", { class: "bubble__caption", text: caption }));
    messages.append(el("div", { class: "msg msg_out" }, userAvatar(), body));
    scrollDown();
    return node;
  }

  function sysline(text) {
    messages.append(el("div", { class: "sysline", text }));
    scrollDown();
  }

  function notice(text) {
    messages.append(el("div", { class: "notice", "data-test": "notice" }, el("span", { text })));
    scrollDown();
  }

  // --- acting ----------------------------------------------------------------------------------
  async function act(action, fields, pending) {
    const generation = state.generation;
    status("");
    try {
      const answer = await call("POST", userPath("/act"), { action, ...fields });
      if (generation !== state.generation) return null;
      if (pending) pending.classList.remove("bubble_pending");
      if (!answer.ok && answer.notice) {
        if (pending) pending.classList.add("bubble_failed");
        notice(answer.notice);
      }
      if (answer.reply) showIncoming(answer.reply);
      poll();
      return answer;
    } catch (err) {
      if (pending) pending.classList.add("bubble_failed");
      status(format(S.error, { message: err.message }));
      return null;
    }
  }

  function sendText(text) {
    const content = text.trim();
    if (!content) return;
    const node = showOutgoing(el("div", { class: "bubble bubble_pending", "data-type": "text", text: content }));
    act("text", { content }, node);
  }

  async function sendImage(base64) {
    const pending = el("div", { class: "bubble bubble_pending", text: "…" });
    showOutgoing(pending);
    const answer = await act("image", base64 ? { image_base64: base64 } : {}, pending);
    if (answer && answer.sent && answer.sent.src) {
      pending.replaceWith(el("div", { class: "bubble bubble_image" }, el("img", { src: answer.sent.src, alt: "" })));
    }
  }

  function sendVoice(recognition) {
    const node = showOutgoing(el("div", { class: "bubble bubble_voice bubble_pending", text: "((( " + S.voice_message }), recognition);
    act("voice", { recognition }, node);
  }

  function sendLocation(place) {
    const node = showOutgoing(
      el("div", { class: "card card_media", "data-type": "location" }, el("div", { class: "card__icon", text: "◉" }), el("div", {}, el("div", { class: "card__title", text: place.label || "" }), el("div", { class: "card__desc", text: `${place.latitude}, ${place.longitude}` })))
    );
    act("location", place, node);
  }

  async function follow(ticket, scene) {
    const answer = ticket ? await act("scan", { ticket }) : await act("subscribe", {});
    if (!answer) return;
    await refreshUser(false);
    if (scene !== undefined) {
      sysline(format(answer.ok && state.wasSubscribed ? S.scanned : S.followed_scene, { scene }));
    } else {
      sysline(S.followed);
    }
    // The reply arrived before the line: move the line above it for the order WeChat shows.
    const line = messages.lastElementChild;
    const reply = answer.reply && messages.querySelector(`[data-id="${answer.reply.id}"]`);
    if (reply && line) messages.insertBefore(line, reply);
  }

  async function unfollow() {
    const answer = await act("unsubscribe", {});
    if (!answer) return;
    sysline(S.unfollowed);
    await refreshUser(false);
  }

  // --- menu --------------------------------------------------------------------------------------
  function closePopups() {
    document.querySelectorAll(".menu-pop").forEach((pop) => pop.remove());
  }

  function renderMenu(buttons) {
    const box = $("menu-buttons");
    box.replaceChildren();
    closePopups();
    const hasMenu = buttons && buttons.length > 0;
    $("phone-menu").hidden = !hasMenu;
    $("phone-input").hidden = hasMenu;
    $("to-menu").hidden = !hasMenu;
    for (const button of buttons || []) {
      const subs = button.sub_button && button.sub_button.list ? button.sub_button.list : button.sub_button;
      const hasSub = Array.isArray(subs) && subs.length > 0;
      const item = el("div", { class: "menu-item" });
      const node = el("button", { type: "button", class: "menu-btn", "data-has-sub": hasSub, text: button.name });
      item.append(node);
      node.addEventListener("click", (event) => {
        event.stopPropagation();
        const open = item.querySelector(".menu-pop");
        closePopups();
        if (!hasSub) {
          press(button);
          return;
        }
        if (open) return;
        const pop = el("div", { class: "menu-pop", role: "menu" });
        for (const sub of subs) {
          pop.append(
            el("button", {
              type: "button",
              class: "sub-btn",
              role: "menuitem",
              text: sub.name,
              onclick: (e) => {
                e.stopPropagation();
                closePopups();
                press(sub);
              },
            })
          );
        }
        item.append(pop);
      });
      box.append(item);
    }
  }

  async function press(button) {
    const type = button.type;
    if (type === "click") {
      sysline(format(S.tapped, { name: button.name }));
      return act("click", { key: button.key });
    }
    if (type === "view" || (type === "miniprogram" && button.url)) {
      const answer = await act("view", { url: button.url });
      if (answer && answer.browse_url) showPage(answer.browse_url, button.name);
      return answer;
    }
    if (type === "scancode_push" || type === "scancode_waitmsg") {
      const result = await ask(S.scan_prompt, [{ name: "scan_result", label: S.scan_prompt, value: "" }]);
      if (!result) return null;
      sysline(format(S.tapped, { name: button.name }));
      return act("event", { event: type, key: button.key, scan_result: result.scan_result });
    }
    if (type === "pic_sysphoto" || type === "pic_photo_or_album" || type === "pic_weixin") {
      sysline(format(S.tapped, { name: button.name }));
      await act("event", { event: type, key: button.key });
      return sendImage(null);
    }
    if (type === "location_select") {
      const place = await askLocation();
      if (!place) return null;
      sysline(format(S.tapped, { name: button.name }));
      await act("event", { event: type, key: button.key, ...place });
      return sendLocation(place);
    }
    notice(S.not_simulated);
    return null;
  }

  // --- in-app browser ------------------------------------------------------------------------
  function showPage(browseUrl, title) {
    $("web-title").textContent = title || "";
    $("web-frame").src = browseUrl;
    $("phone-web").hidden = false;
  }

  // A link in a message: WeChat opens it in its browser (no VIEW event).
  function openPage(url, title) {
    if (!/^https?:\/\//i.test(url)) return;
    const base = state.browseBase;
    // The simulator's browser (/simulator/browse/<account>): a persona other than the one the H5
    // pages know in this session is signed in afresh, as a phone of its own would be.
    showPage(`${base}?${new URLSearchParams({ openid: state.user.openid, url })}`, title);
  }

  // --- WeChat Pay: the in-app browser's WeixinJSBridge and the payment sheet ----------------------
  // WeChat injects WeixinJSBridge into every page it opens; we do the same for pages of this
  // origin. getBrandWCPayRequest shows the sheet (payee, amount, 支付 / 取消); paying asks the mock
  // WeChat Pay to mark the order paid and send its notify, as the real one does.
  async function paySheet(params, callback) {
    const answer = (result) => callback({ err_msg: "get_brand_wcpay_request:" + result });
    const prepayId = String((params && params.package) || "").replace(/^prepay_id=/, "");
    let order;
    try {
      order = await call("GET", userPath(`/pay/${encodeURIComponent(prepayId)}`));
    } catch (err) {
      notice(err.message);
      return answer("fail");
    }
    if (order.trade_state !== "NOTPAY") {
      notice(order.trade_state === "CLOSED" ? S.pay_closed : S.pay_paid);
      return answer("fail");
    }
    const confirmed = await ask(S.pay_title, [], (body) => {
      body.append(
        el("div", { class: "pay-sheet__amount", "data-test": "pay-sheet-amount", text: order.amount }),
        el("div", { class: "pay-sheet__row", text: format(S.pay_to, { name: order.merchant_name }) }),
        el("div", { class: "pay-sheet__row", text: order.description }),
      );
      $("dialog-ok").textContent = S.pay_button;
    });
    $("dialog-ok").textContent = S.ok;
    if (!confirmed) return answer("cancel");
    try {
      await call("POST", userPath(`/pay/${encodeURIComponent(prepayId)}`), {});
    } catch (err) {
      notice(err.message);
      return answer("fail");
    }
    return answer("ok");
  }

  // Injected as soon as the page exists (not only at "load", which waits for every image), and
  // again after each navigation: the bridge lives on the page's window.
  function injectBridge() {
    let page;
    try {
      page = $("web-frame").contentWindow;
      if (!page || !page.document || page.location.origin !== window.location.origin) return;
    } catch (err) {
      return; // another origin: WeChat would inject, we cannot
    }
    if (page.WeixinJSBridge) return;
    page.WeixinJSBridge = {
      invoke(name, params, callback) {
        if (name === "getBrandWCPayRequest") paySheet(params, callback || (() => {}));
        else if (callback) callback({ err_msg: name + ":fail" });
      },
      on() {},
      call() {},
    };
    page.document.dispatchEvent(new page.Event("WeixinJSBridgeReady"));
  }
  $("web-frame").addEventListener("load", injectBridge);
  window.setInterval(() => {
    if (!$("phone-web").hidden) injectBridge();
  }, 200);

  $("web-close").addEventListener("click", () => {
    $("phone-web").hidden = true;
    $("web-frame").src = "about:blank";
  });

  // --- dialogs -------------------------------------------------------------------------------
  function ask(title, fields, extra) {
    return new Promise((resolve) => {
      const body = $("dialog-body");
      body.replaceChildren();
      const inputs = {};
      for (const field of fields) {
        const input = el("input", { class: "dialog-input", name: field.name, value: field.value ?? "", type: field.type || "text", step: field.step, "data-test": "dialog-" + field.name });
        inputs[field.name] = input;
        body.append(el("label", { class: "dialog-field", text: field.label }), input);
      }
      if (extra) extra(body, inputs);
      $("dialog-title").textContent = title;
      $("phone-dialog").hidden = false;
      const first = Object.values(inputs)[0];
      if (first) first.focus();
      const done = (ok) => {
        $("phone-dialog").hidden = true;
        $("dialog-ok").onclick = null;
        $("dialog-cancel").onclick = null;
        if (!ok) return resolve(null);
        const values = {};
        for (const [name, input] of Object.entries(inputs)) values[name] = input.value;
        resolve(values);
      };
      $("dialog-ok").onclick = () => done(true);
      $("dialog-cancel").onclick = () => done(false);
    });
  }

  async function askLocation() {
    const first = config.places[0] || { label: "", latitude: 0, longitude: 0 };
    const values = await ask(
      S.location_prompt,
      [
        { name: "label", label: S.place, value: first.label },
        { name: "latitude", label: S.latitude, value: first.latitude, type: "number", step: "any" },
        { name: "longitude", label: S.longitude, value: first.longitude, type: "number", step: "any" },
      ],
      (body, inputs) => {
        for (const place of config.places) {
          body.prepend(
            el("button", {
              type: "button",
              class: "dialog-choice",
              text: "◉ " + place.label,
              onclick: () => {
                inputs.label.value = place.label;
                inputs.latitude.value = place.latitude;
                inputs.longitude.value = place.longitude;
              },
            })
          );
        }
      }
    );
    if (!values) return null;
    return { label: values.label, latitude: Number(values.latitude), longitude: Number(values.longitude) };
  }

  async function askPhoto() {
    const choice = await ask(S.photo_prompt, [], (body) => {
      body.append(
        el("button", {
          type: "button",
          class: "dialog-choice",
          text: S.photo,
          onclick: () => {
            $("dialog-cancel").click();
            $("photo-file").click();
          },
        })
      );
      body.append(el("p", { class: "dialog-field", text: S.generated_photo }));
    });
    if (choice) sendImage(null);
  }

  $("photo-file").addEventListener("change", () => {
    const file = $("photo-file").files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const base64 = String(reader.result).split(",", 2)[1] || "";
      sendImage(base64);
      $("photo-file").value = "";
    };
    reader.readAsDataURL(file);
  });

  async function handleSend(kind) {
    if (!state.user || !state.user.is_subscribed) return;
    $("phone-plus").hidden = true;
    if (kind === "image") return askPhoto();
    if (kind === "voice") {
      const values = await ask(S.voice_message, [{ name: "recognition", label: S.voice_prompt, value: "" }]);
      if (values) sendVoice(values.recognition);
      return;
    }
    if (kind === "location") {
      const place = await askLocation();
      if (place) sendLocation(place);
    }
  }

  document.querySelectorAll("[data-send]").forEach((button) => button.addEventListener("click", () => handleSend(button.dataset.send)));

  // --- people, codes, the citizen's phone ------------------------------------------------------
  function renderPeople() {
    const list = $("sim-people");
    list.replaceChildren();
    for (const person of state.people) {
      const selected = state.user && person.openid === state.user.openid;
      list.append(
        el(
          "li",
          {
            class: "sim-person",
            role: "option",
            "aria-selected": selected ? "true" : "false",
            "data-openid": person.openid,
            "data-persona": person.persona || "",
            onclick: () => selectUser(person.openid),
          },
          avatar(person, "sim-avatar", "sim-initial"),
          el("div", {}, el("div", { class: "sim-person__name", text: person.nickname || person.openid }), el("div", { class: "sim-person__meta", text: [person.city, person.language].filter(Boolean).join(" · ") })),
          el("span", { class: "sim-badge" + (person.is_subscribed ? " sim-badge_on" : ""), text: person.is_subscribed ? S.following : S.not_following })
        )
      );
    }
  }

  async function loadCodes() {
    const list = $("sim-codes");
    list.replaceChildren();
    let codes = [];
    try {
      codes = await call("GET", `${state.account.slug}/qrcodes`);
    } catch (err) {
      status(format(S.error, { message: err.message }));
    }
    if (codes.length === 0) list.append(el("li", { class: "sim-empty", text: S.no_codes }));
    for (const code of codes) {
      list.append(
        el(
          "li",
          { class: "sim-code", "data-scene": code.scene },
          el("img", { src: code.image_url, alt: "" }),
          el("div", {}, el("div", { class: "sim-code__scene", text: code.scene }), el("div", { class: "sim-code__kind", text: code.is_permanent ? S.permanent : S.temporary })),
          el("button", {
            type: "button",
            class: "weui-btn weui-btn_mini weui-btn_default",
            "data-test": "scan",
            text: S.scan,
            onclick: () => state.user && follow(code.ticket, code.scene),
          })
        )
      );
    }
  }

  function renderPhone() {
    const user = state.user;
    $("phone-title").textContent = state.account ? state.account.name : "";
    $("profile-name").textContent = state.account ? state.account.name : "";
    $("profile-logo").textContent = state.account ? state.account.name.slice(0, 1) : "";
    const following = Boolean(user && user.is_subscribed);
    $("phone-profile").hidden = following;
    $("phone-chat").hidden = !following;
    $("phone-bottom").hidden = !following;
    $("sim-follow").disabled = following;
    $("sim-unfollow").disabled = !following;
  }

  async function refreshUser(resetChat) {
    const data = await call("GET", userPath());
    state.wasSubscribed = state.user.is_subscribed;
    Object.assign(state.user, { is_subscribed: data.is_subscribed });
    if (resetChat) {
      messages.replaceChildren();
      state.seen.clear();
      for (const b of data.messages) showIncoming(b);
      state.lastId = Math.max(state.lastId, data.last_id);
    }
    renderMenu(data.menu);
    renderPhone();
    const person = state.people.find((p) => p.openid === state.user.openid);
    if (person) person.is_subscribed = data.is_subscribed;
    renderPeople();
  }

  async function selectUser(openid) {
    const person = state.people.find((p) => p.openid === openid);
    if (!person) return;
    state.generation += 1;
    state.user = { ...person };
    state.lastId = 0;
    // The SMS panel (sms.js) shows this persona's texts only.
    if ($("sim-sms")) Object.assign($("sim-sms").dataset, { account: state.account.slug, openid });
    document.dispatchEvent(new CustomEvent("sim:persona"));
    $("phone-web").hidden = true;
    $("phone-plus").hidden = true;
    renderPeople();
    try {
      await refreshUser(true);
    } catch (err) {
      status(format(S.error, { message: err.message }));
    }
    const url = new URL(window.location.href);
    url.searchParams.set("account", state.account.slug);
    url.searchParams.set("openid", openid);
    window.history.replaceState(null, "", url);
  }

  async function selectAccount(slug, openid) {
    const account = config.accounts.find((a) => a.slug === slug) || config.accounts[0];
    if (!account) {
      status(S.no_accounts);
      return;
    }
    state.account = account;
    state.user = null;
    $("sim-account").value = account.slug;
    try {
      const data = await call("GET", `${account.slug}/users`);
      state.people = data.users;
      state.appid = data.appid;
      state.browseBase = data.browse_url;
    } catch (err) {
      state.people = [];
      status(format(S.error, { message: err.message }));
    }
    renderPeople();
    loadCodes();
    const chosen = state.people.find((p) => p.openid === openid) || state.people[0];
    if (chosen) await selectUser(chosen.openid);
    else renderPhone();
  }

  // --- pushed messages -------------------------------------------------------------------------
  async function poll() {
    if (state.polling || !state.user || !state.account) return;
    state.polling = true;
    const generation = state.generation;
    try {
      const data = await call("GET", `${userPath("/messages")}?since_id=${state.lastId}`);
      if (generation === state.generation) {
        for (const b of data.messages) showIncoming(b);
        state.lastId = Math.max(state.lastId, data.last_id);
      }
    } catch (err) {
      // The next tick tries again; a mock platform that went away shows in the status line.
      status(format(S.error, { message: err.message }));
    } finally {
      state.polling = false;
    }
  }

  setInterval(poll, 1000);

  // --- wiring ----------------------------------------------------------------------------------
  document.addEventListener("click", closePopups);
  $("sim-account").addEventListener("change", (event) => selectAccount(event.target.value, ""));
  $("phone-follow").addEventListener("click", () => follow());
  $("sim-follow").addEventListener("click", () => follow());
  $("sim-unfollow").addEventListener("click", () => unfollow());
  $("to-keyboard").addEventListener("click", () => {
    $("phone-menu").hidden = true;
    $("phone-input").hidden = false;
    $("text-input").focus();
  });
  $("to-menu").addEventListener("click", () => {
    $("phone-input").hidden = true;
    $("phone-plus").hidden = true;
    $("phone-menu").hidden = false;
  });
  $("plus").addEventListener("click", () => {
    $("phone-plus").hidden = !$("phone-plus").hidden;
  });
  $("phone-input").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("text-input");
    sendText(input.value);
    input.value = "";
  });

  selectAccount(config.account, config.openid);
})();
