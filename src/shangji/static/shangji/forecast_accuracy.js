// The forecast accuracy chart: each week's forecast, best case and weighted forecast of the
// period against its actual, from the JSON payload of forecasting/forecast_accuracy.html.
(function () {
  "use strict";

  var COLORS = { forecast: "#2563eb", best_case: "#7c3aed", weighted: "#d97706", actual: "#15803d" };

  function start() {
    var source = document.getElementById("accuracy-data");
    var element = document.getElementById("accuracy-chart");
    if (!source || !element || !window.echarts) { return; }
    var payload = JSON.parse(source.textContent);
    var chart = window.echarts.init(element);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 12, right: 48, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: payload.weeks, boundaryGap: false },
      yAxis: { type: "value" },
      series: payload.series.map(function (series) {
        return {
          name: series.name,
          type: "line",
          data: series.values.map(Number),
          itemStyle: { color: COLORS[series.key] },
          // Forecast and actual are drawn over best case and weighted where they meet.
          z: series.key === "forecast" || series.key === "actual" ? 3 : 2,
          lineStyle: series.key === "actual" ? { width: 3 } : { type: series.key === "forecast" ? "solid" : "dashed" }
        };
      })
    });
    window.addEventListener("resize", function () { chart.resize(); });
    element.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
