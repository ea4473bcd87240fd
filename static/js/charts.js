/*
 * Charts of the statistics pages, drawn with the vendored ECharts (loaded before this file).
 * Plain ES5, no inline script: the data comes from a {{ data|json_script:"dj-chart-data" }}
 * block shaped {"sections": [{"key", "title", "chart": "pie"|"bar", "items": [{"label", "count"}]}]}
 * and each <div class="dj-chart" data-chart-section="KEY"> gets the chart of that section.
 * Charts follow the container's width (phones at 375 px), use larger type in care mode, and are
 * hidden when a section has nothing to show (its table stays, it is the accessible version).
 */
(function () {
  "use strict";

  var source = document.getElementById("dj-chart-data");
  if (!source || !window.echarts) return;
  var data;
  try {
    data = JSON.parse(source.textContent);
  } catch (e) {
    return;
  }
  var careMode = document.documentElement.classList.contains("care-mode");
  var fontSize = careMode ? 16 : 12;
  var reducedMotion =
    window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var COLORS = ["#b3171e", "#e0a526", "#8c1c13", "#5470c6", "#91cc75", "#fac858",
                "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc"];
  var charts = [];

  function byKey(key) {
    for (var i = 0; i < data.sections.length; i++) {
      if (data.sections[i].key === key) return data.sections[i];
    }
    return null;
  }

  function pieOption(section) {
    return {
      color: COLORS,
      animation: !reducedMotion,
      textStyle: { fontSize: fontSize },
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { bottom: 0, type: "scroll", textStyle: { fontSize: fontSize } },
      series: [{
        type: "pie",
        radius: ["35%", "62%"],
        center: ["50%", "45%"],
        avoidLabelOverlap: true,
        label: { formatter: "{b}\n{c}", fontSize: fontSize },
        data: section.items.map(function (item) {
          return { name: item.label, value: item.count };
        })
      }]
    };
  }

  function barOption(section) {
    // Horizontal bars: long Chinese labels stay readable on a narrow screen.
    return {
      color: COLORS,
      animation: !reducedMotion,
      textStyle: { fontSize: fontSize },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: fontSize } },
      yAxis: {
        type: "category",
        inverse: true,
        axisLabel: { fontSize: fontSize, width: 120, overflow: "break" },
        data: section.items.map(function (item) { return item.label; })
      },
      series: [{
        type: "bar",
        barMaxWidth: 22,
        label: { show: true, position: "right", fontSize: fontSize },
        data: section.items.map(function (item) { return item.count; })
      }]
    };
  }

  var boxes = document.querySelectorAll(".dj-chart[data-chart-section]");
  for (var i = 0; i < boxes.length; i++) {
    var box = boxes[i];
    var section = byKey(box.getAttribute("data-chart-section"));
    var total = 0;
    if (section) {
      for (var j = 0; j < section.items.length; j++) total += section.items[j].count;
    }
    if (!section || !total) {
      box.hidden = true;
      continue;
    }
    var rowHeight = careMode ? 36 : 28;
    var height = section.chart === "pie" ? (careMode ? 320 : 260)
      : Math.max(160, section.items.length * rowHeight + 24);
    box.style.height = height + "px";
    box.style.width = "100%";
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(section.chart === "pie" ? pieOption(section) : barOption(section));
    charts.push(chart);
  }

  function resizeAll() {
    for (var k = 0; k < charts.length; k++) charts[k].resize();
  }
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(resizeAll, 150);
  });
})();
