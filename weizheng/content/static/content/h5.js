// The share button: count the share (same-origin POST with the CSRF token), then hand the link to
// the phone's share sheet or copy it. Without JavaScript the form posts and the page reloads.
(function () {
  var form = document.querySelector('[data-testid="share-form"]');
  if (!form || !window.fetch) return;
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var token = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    fetch(form.action, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRFToken': token, 'Accept': 'application/json' }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      form.querySelector('[data-testid="shares"]').textContent = data.shares;
      if (navigator.share) {
        navigator.share({ title: document.title, url: data.url }).catch(function () {});
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(data.url).catch(function () {});
      }
    });
  });
})();
