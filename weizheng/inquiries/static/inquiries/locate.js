// "Use my location": the browser's position into the form's hidden fields (WGS-84).
(function () {
  var button = document.getElementById("wz-locate");
  if (!button || !navigator.geolocation) { if (button) { button.hidden = true; } return; }
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("id_latitude").value = position.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = position.coords.longitude.toFixed(6);
      document.getElementById("wz-located").textContent =
        position.coords.latitude.toFixed(4) + ", " + position.coords.longitude.toFixed(4);
    });
  });
})();
