// The pay page: hand the signed parameters to WeChat's payment sheet (WeixinJSBridge
// getBrandWCPayRequest); on success go to the receipt, which asks WeChat Pay if the notify is late.
(function () {
  "use strict";
  const button = document.getElementById("pay-button");
  const status = document.getElementById("pay-status");
  const parameters = JSON.parse(document.getElementById("pay-parameters").textContent);

  function say(text) { status.textContent = text; }

  function invoke() {
    button.disabled = true;
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", parameters, function (result) {
      button.disabled = false;
      const message = (result && result.err_msg) || "";
      if (message === "get_brand_wcpay_request:ok") {
        window.location.href = button.dataset.receipt;
      } else if (message === "get_brand_wcpay_request:cancel") {
        say(button.dataset.msgCancelled);
      } else {
        say(button.dataset.msgFailed);
      }
    });
  }

  button.addEventListener("click", function () {
    if (window.WeixinJSBridge) {
      invoke();
      return;
    }
    let done = false;
    document.addEventListener("WeixinJSBridgeReady", function () {
      if (!done) { done = true; invoke(); }
    }, { once: true });
    window.setTimeout(function () { if (!done) say(button.dataset.msgNoWechat); }, 1500);
  });
  // The button is rendered disabled: a tap before this script runs would do nothing.
  button.disabled = false;
})();
