// Report charts: ECharts from the JSON payload of forecasting/report_detail.html.
// The payload names the categories and one or more views (bar, line, funnel or pie), each a list
// of series whose every bar, point or slice carries the URL of the opportunity list it drills
// down to. In a bar or line view a series may say `type: "line"` (a line over the bars, gaps
// where a value is null) and `percent_axis` names the y axis that runs from 0 to 100 %.
(function () {
  "use strict";

  function number(value) {
    return value === null || value === undefined ? 0 : Number(value);
  }

  function gap(value) {
    return value === null || value === undefined ? "-" : Number(value);
  }

  function axisView(view) {
    return view.type === "bar" || view.type === "line";
  }

  function barOption(payload, view) {
    var axes = view.axes || [""];
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 12, right: 12, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: payload.categories, axisLabel: { interval: 0, hideOverlap: true } },
      yAxis: axes.map(function (name, index) {
        var axis = { type: "value", name: name, position: index ? "right" : "left", splitLine: { show: !index } };
        if (view.percent_axis === index) {
          axis.min = 0;
          axis.max = 100;
          axis.axisLabel = { formatter: "{value} %" };
        }
        return axis;
      }),
      series: view.series.map(function (series) {
        var type = series.type || (view.type === "line" ? "line" : "bar");
        var option = {
          name: series.name,
          type: type,
          yAxisIndex: series.axis || 0,
          data: series.values.map(type === "line" ? gap : number),
          cursor: "pointer"
        };
        if (type === "line") {
          option.z = 3;
          option.symbolSize = 8;
        }
        if (series.stack) { option.stack = series.stack; }
        if (series.color) { option.itemStyle = { color: series.color }; }
        return option;
      })
    };
  }

  function sliceOption(payload, view) {
    var series = view.series[0];
    var data = payload.categories.map(function (name, index) {
      return { name: name, value: number(series.values[index]) };
    });
    var option = { name: series.name, type: view.type, data: data, cursor: "pointer" };
    if (view.type === "funnel") {
      option.sort = "none";
      option.left = "10%";
      option.width = "80%";
      option.label = { show: true, position: "inside" };
    } else {
      option.radius = ["0%", "65%"];
    }
    return {
      tooltip: { trigger: "item" },
      legend: { top: 0, type: "scroll" },
      series: [option]
    };
  }

  function start() {
    var source = document.getElementById("report-data");
    var element = document.getElementById("report-chart");
    if (!source || !element || !window.echarts) { return; }
    var payload = JSON.parse(source.textContent);
    if (!payload.views || !payload.views.length) { return; }
    var chart = window.echarts.init(element);
    var current = payload.views[0];

    function show(view) {
      current = view;
      var option = axisView(view) ? barOption(payload, view) : sliceOption(payload, view);
      chart.setOption(option, true);
    }

    chart.on("click", function (params) {
      var series = current.series[axisView(current) ? params.seriesIndex : 0];
      var url = series && series.urls ? series.urls[params.dataIndex] : null;
      if (url) { window.location.assign(url); }
    });

    var toggles = document.getElementById("report-views");
    if (toggles && payload.views.length > 1) {
      payload.views.forEach(function (view, index) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = view.label;
        button.dataset.view = view.type;
        button.setAttribute("aria-pressed", index === 0 ? "true" : "false");
        button.addEventListener("click", function () {
          Array.prototype.forEach.call(toggles.children, function (other) {
            other.setAttribute("aria-pressed", other === button ? "true" : "false");
          });
          show(view);
        });
        toggles.appendChild(button);
      });
    }
    show(current);
    window.addEventListener("resize", function () { chart.resize(); });
    element.dataset.ready = "true";
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
