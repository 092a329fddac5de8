// Draws the dashboard's charts from the figures the page carries (json_script): no request of
// its own, and nothing from another host.
(function () {
  "use strict";
  function draw() {
    var source = document.getElementById("dashboard-chart-data");
    if (!source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var labels = data.labels;
    var areas = document.getElementById("chart-areas");
    if (areas) {
      var chart = echarts.init(areas);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 60, right: 60, bottom: 60 },
        xAxis: { type: "category", data: data.areas, axisLabel: { interval: 0, rotate: data.areas.length > 6 ? 30 : 0 } },
        yAxis: [{ type: "value" }, { type: "value", max: 100, axisLabel: { formatter: "{value}%" } }],
        series: [
          { name: labels.households, type: "bar", data: data.households },
          { name: labels.residents, type: "bar", data: data.residents },
          { name: labels.walked, type: "line", yAxisIndex: 1, data: data.walked }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var trend = document.getElementById("chart-trend");
    if (trend) {
      var weekly = echarts.init(trend);
      weekly.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: data.trend.weeks },
        yAxis: { type: "value", minInterval: 1 },
        series: ["started", "closed", "inspections", "visits"].map(function (name) {
          return { name: labels[name], type: "line", data: data.trend[name] };
        })
      });
      window.addEventListener("resize", function () { weekly.resize(); });
    }
  }
  function drawAppraisal() {
    var source = document.getElementById("appraisal-chart-data");
    var target = document.getElementById("chart-appraisal");
    if (!source || !target || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(target);
    chart.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, bottom: 60 },
      xAxis: { type: "category", data: data.names, axisLabel: { interval: 0, rotate: data.names.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", max: 100 },
      series: [{ name: data.label, type: "bar", data: data.scores, label: { show: true, position: "top" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  function drawAll() { draw(); drawAppraisal(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
