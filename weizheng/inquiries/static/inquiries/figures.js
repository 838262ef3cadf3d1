// The figures page's chart: response and satisfaction rates per department and month (ECharts,
// served by the app). The data is a JSON script element written by the server.
(function () {
  var holder = document.getElementById("wz-chart");
  var source = document.getElementById("wz-chart-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var series = [];
  data.series.forEach(function (s) {
    series.push({ name: s.name + " · " + data.labels.response, type: "line", data: s.response, connectNulls: true });
    series.push({ name: s.name + " · " + data.labels.satisfaction, type: "bar", data: s.satisfaction });
  });
  var chart = window.echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { type: "scroll", top: 0 },
    grid: { top: 40, left: 40, right: 16, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100 },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
