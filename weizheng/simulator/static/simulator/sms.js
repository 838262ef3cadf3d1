// The SMS panel: the newest text message of each phone of the persona on the phone (their bound
// phone and the phones they asked a code for), polled from /simulator/api/sms, so a demo user can
// read the code of a real-name binding sent through the SimulatorGateway. simulator.js names the
// persona in the list's data-account / data-openid and fires "sim:persona" when it changes.
(function () {
  "use strict";
  const list = document.getElementById("sim-sms");
  if (!list) return;
  const config = JSON.parse(document.getElementById("sim-config").textContent);
  let shown = "";

  function render(items) {
    const key = items.map((item) => item.id).join(",");
    if (key === shown) return;
    shown = key;
    list.replaceChildren();
    if (!items.length) {
      const empty = document.createElement("li");
      empty.className = "sim-empty";
      empty.textContent = list.dataset.empty;
      list.append(empty);
      return;
    }
    for (const item of items) {
      const li = document.createElement("li");
      li.className = "sim-sms__item";
      li.dataset.phone = item.phone;
      const head = document.createElement("div");
      head.className = "sim-sms__head";
      const phone = document.createElement("span");
      phone.textContent = item.phone;
      const time = document.createElement("span");
      time.textContent = item.sent_at;
      head.append(phone, time);
      const text = document.createElement("div");
      text.className = "sim-sms__text";
      text.dataset.test = "sms-text";
      text.textContent = item.text;
      li.append(head, text);
      list.append(li);
    }
  }

  async function poll() {
    const { account, openid } = list.dataset;
    const query = account && openid ? "?" + new URLSearchParams({ account, openid }) : "";
    try {
      const response = await fetch(config.api + "sms" + query, { headers: { Accept: "application/json" } });
      // Drop an answer for the persona before the switch.
      if (list.dataset.account !== account || list.dataset.openid !== openid) return;
      if (response.ok) render(await response.json());
    } catch (error) {
      // The next poll tries again.
    }
  }

  document.addEventListener("sim:persona", () => {
    shown = null;
    poll();
  });
  poll();
  setInterval(poll, 2000);
})();
