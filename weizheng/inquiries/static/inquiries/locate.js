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
