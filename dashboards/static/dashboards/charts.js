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
    var byCategory = document.getElementById("chart-categories");
    if (byCategory) {
      // A bar per category: as tall as they need.
      byCategory.style.height = Math.max(240, 26 * data.categories.names.length + 70) + "px";
      var categories = echarts.init(byCategory);
      categories.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 10, right: 30, top: 30, bottom: 20, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.categories.names },
        series: ["started", "closed"].map(function (name) {
          return { name: labels[name], type: "bar", data: data.categories[name] };
        })
      });
      window.addEventListener("resize", function () { categories.resize(); });
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
  // The same five blues as the legend's swatches (dashboards.css).
  var SHADES = ["#eff6ff", "#bfdbfe", "#60a5fa", "#2563eb", "#1e3a8a"];
  function drawMap() {
    var source = document.getElementById("dashboard-chart-data");
    var target = document.getElementById("dashboard-map");
    var choice = document.getElementById("map-figure");
    if (!source || !target || !choice || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    if (!data.map.length) { target.hidden = true; choice.parentNode.hidden = true; return; }
    data.mapped.forEach(function (pair) {
      var option = document.createElement("option");
      option.value = pair[0];
      option.textContent = pair[1];
      choice.appendChild(option);
    });
    var map = L.map(target, { zoomSnap: 0.25, attributionControl: false });
    var layer = null;
    function shade(value, low, high) {
      if (value === null || value === undefined) { return "#ffffff"; }
      if (high === low) { return SHADES[2]; }
      return SHADES[Math.min(4, Math.floor((value - low) / (high - low) * 5))];
    }
    function paint() {
      var figure = choice.value;
      var values = data.map.map(function (area) { return area.values[figure]; })
        .filter(function (value) { return value !== null && value !== undefined; });
      var low = values.length ? Math.min.apply(null, values) : 0;
      var high = values.length ? Math.max.apply(null, values) : 0;
      if (layer) { map.removeLayer(layer); }
      layer = L.geoJSON(data.map.map(function (area) {
        return { type: "Feature", geometry: area.boundary, properties: area };
      }), {
        style: function (feature) {
          return { color: "#334155", weight: 1, fillOpacity: 0.85, fillColor: shade(feature.properties.values[figure], low, high) };
        },
        onEachFeature: function (feature, shape) {
          var value = feature.properties.values[figure];
          shape.bindTooltip(feature.properties.name + ": " + (value === null ? "—" : value));
          shape.on("click", function () { window.location.search = "?area=" + feature.properties.code; });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      var legend = document.getElementById("dashboard-legend");
      legend.replaceChildren();
      SHADES.forEach(function (colour, step) {
        var item = document.createElement("li");
        var swatch = document.createElement("span");
        swatch.className = "dashboard-swatch dashboard-swatch-" + step;
        item.appendChild(swatch);
        var from = low + (high - low) * step / 5;
        var to = low + (high - low) * (step + 1) / 5;
        item.appendChild(document.createTextNode(Math.round(from) + "–" + Math.round(to)));
        legend.appendChild(item);
      });
    }
    choice.addEventListener("change", paint);
    paint();
  }
  function drawAll() { draw(); drawAppraisal(); drawMap(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
