// "Use my location": the browser's position into the form's hidden fields (WGS-84).
// "Clear the location" empties them again (without script it posts the form to be shown again
// without the coordinates), so a refused position never blocks the address.
(function () {
  var button = document.getElementById("wz-locate");
  var clear = document.getElementById("wz-clear-location");
  var latitude = document.getElementById("id_latitude");
  var longitude = document.getElementById("id_longitude");
  var located = document.getElementById("wz-located");
  if (clear) {
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      latitude.value = "";
      longitude.value = "";
      located.textContent = "";
      clear.hidden = true;
    });
  }
  if (!button || !navigator.geolocation) { if (button) { button.hidden = true; } return; }
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      latitude.value = position.coords.latitude.toFixed(6);
      longitude.value = position.coords.longitude.toFixed(6);
      located.textContent =
        position.coords.latitude.toFixed(4) + ", " + position.coords.longitude.toFixed(4);
      if (clear) { clear.hidden = false; }
    });
  });
})();

// The name and phone fields only for a named request (匿名反映 hides them).
(function () {
  var contact = document.getElementById("wz-contact");
  if (!contact) { return; }
  var radios = document.querySelectorAll('input[name="named"]');
  function update() {
    var named = document.querySelector('input[name="named"]:checked');
    contact.hidden = !(named && named.value === "1");
  }
  for (var i = 0; i < radios.length; i++) { radios[i].addEventListener("change", update); }
  update();
})();
