/* Plan monitoring charts with Apache ECharts (served locally): card sparklines, the indicator chart, the
   district map and the district assessment's rank intervals. Data comes from <script type="application/json"> blocks written by the views. */
(function () {
  "use strict";
  var GREY = "#9aa5b1", BLUE = "#1f5f9e", ORANGE = "#e8702a", PURPLE = "#7a4bb3", GREEN = "#3fa34d";

  // Tooltips are HTML: every piece of data in them is escaped (a period label or a name can hold markup).
  function esc(v) {
    return String(v === null || v === undefined ? "" : v).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function fmt(v, decimals) {
    if (v === null || v === undefined || isNaN(v)) return "—";
    var d = decimals === undefined || decimals === null ? 2 : decimals;
    var s = Number(v).toLocaleString(undefined, {maximumFractionDigits: Math.max(d, 2), minimumFractionDigits: 0});
    return s;
  }

  function yearLabel(t) {
    var y = Math.round(t);
    return Math.abs(t - y) < 1e-6 ? String(y) : t.toFixed(2);
  }

  var charts = [];
  window.addEventListener("resize", function () { charts = charts.filter(function (c) { return !c.isDisposed() && c.getDom().isConnected; });
    charts.forEach(function (c) { c.resize(); }); });

  function make(el, renderer) {
    var old = echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = echarts.init(el, null, {renderer: renderer || "canvas"});
    charts.push(chart);
    return chart;
  }

  // --- sparklines on the dashboard cards ---
  function sparklines() {
    var data = readJSON("plan-sparks");
    if (!data) return;
    Object.keys(data).forEach(function (id) {
      var el = document.getElementById(id), s = data[id];
      if (!el || (!s.obs.length && !s.path.length)) return;
      var colour = getComputedStyle(el.closest(".plan-card")).getPropertyValue("--status").trim() || BLUE;
      var xs = s.obs.map(function (p) { return p[0]; }).concat(s.path.map(function (p) { return p[0]; }));
      var series = [];
      if (s.path.length) series.push({type: "line", data: s.path, symbol: "none", silent: true, z: 1,
        lineStyle: {type: "dashed", width: 1, color: GREY}});
      if (s.obs.length) series.push({type: "line", data: s.obs.map(function (p) { return {value: [p[0], p[1]], period: p[2]}; }),
        symbol: "circle", symbolSize: 4, showSymbol: true, z: 3, lineStyle: {width: 1.6, color: colour}, itemStyle: {color: colour}});
      if (s.target) series.push({type: "scatter", data: [s.target], symbol: "diamond", symbolSize: 7, z: 2, itemStyle: {color: GREY}});
      make(el, "svg").setOption({
        animation: false,
        grid: {left: 3, right: 5, top: 5, bottom: 3},
        xAxis: {type: "value", show: false, min: Math.min.apply(null, xs), max: Math.max.apply(null, xs)},
        yAxis: {type: "value", show: false, scale: true},
        tooltip: {trigger: "item", confine: true, textStyle: {fontSize: 11}, padding: [2, 6],
          formatter: function (p) {
            var label = (p.data && p.data.period) || yearLabel(p.value[0]);
            return esc(label) + "：" + esc(fmt(p.value[1], s.decimals)) + (s.unit ? " " + esc(s.unit) : "");
          }},
        series: series
      });
    });
  }

  // --- the indicator page's chart ---
  function indicatorChart() {
    var el = document.getElementById("indicator-chart"), s = readJSON("indicator-data");
    if (!el || !s) return;
    var L = s.labels, series = [];
    function line(name, data, style, extra) {
      if (!data || !data.length) return;
      series.push(Object.assign({name: name, type: "line", data: data, lineStyle: style, itemStyle: {color: style.color}}, extra || {}));
    }
    line(L.path, s.path, {type: "dashed", width: 1.5, color: GREY}, {symbol: "none"});
    line(L.compound, s.compound, {type: "dashed", width: 1.5, color: ORANGE}, {symbol: "none"});
    line(L.linear, s.linear, {type: "dotted", width: 2, color: PURPLE}, {symbol: "none"});
    line(L.computed, s.computed.map(function (p) { return {value: [p[0], p[1]], period: p[2]}; }), {width: 1.5, color: GREEN}, {symbol: "rect", symbolSize: 6});
    line(L.obs, s.obs.map(function (p) { return {value: [p[0], p[1]], period: p[2]}; }), {width: 2.5, color: BLUE}, {symbol: "circle", symbolSize: 7, z: 5});
    if (s.target) series.push({name: L.target, type: "scatter", data: [s.target], symbol: "diamond", symbolSize: 12, itemStyle: {color: "#c9302c"}});
    if (s.baseline) series.push({name: L.baseline, type: "scatter", data: [s.baseline], symbol: "triangle", symbolSize: 9, itemStyle: {color: "#5b6572"}});
    make(el).setOption({
      animation: false,
      legend: {top: 0, type: "plain", itemGap: 8, textStyle: {fontSize: 11}},
      grid: {left: 8, right: 18, top: 58, bottom: 8, containLabel: true},
      xAxis: {type: "value", minInterval: 1, scale: true, axisLabel: {formatter: function (v) { return Number.isInteger(v) ? String(v) : ""; }}},
      yAxis: {type: "value", scale: true, name: s.unit || "", nameTextStyle: {align: "right"}},
      tooltip: {trigger: "item", confine: true, formatter: function (p) {
        var label = (p.data && p.data.period) || yearLabel(p.value[0]);
        return p.marker + esc(p.seriesName) + "<br>" + esc(label) + "：<b>" + esc(fmt(p.value[1], s.decimals)) + "</b>" + (s.unit ? " " + esc(s.unit) : "");
      }},
      series: series
    });
  }

  // --- the district map ---
  var geo = {};
  function districtMap() {
    var el = document.getElementById("district-map"), s = readJSON("map-data");
    if (!el || !s) return;
    var draw = function (json) {
      var names = {};
      json.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
      echarts.registerMap("heluo-city", json);
      var values = s.data.filter(function (d) { return d.value !== null; }).map(function (d) { return d.value; });
      var min = values.length ? Math.min.apply(null, values) : 0, max = values.length ? Math.max.apply(null, values) : 1;
      if (min === max) { max = min + 1; }
      var colours = ["#e3eef9", "#9cc3e6", "#4a90c9", "#1f5f9e", "#0b3766"];
      if (s.lower_better) colours = colours.slice().reverse();
      var L = s.labels;
      make(el).setOption({
        animation: false,
        tooltip: {trigger: "item", formatter: function (p) {
          var d = p.data || {};
          var out = "<b>" + esc(d.areaName || names[p.name] || p.name) + "</b>";
          if (d.zone) out += " <span style='color:#6c7682'>" + esc(d.zone) + "</span>";
          out += "<br>" + esc(L.value) + "：" + (d.value === null || d.value === undefined ? esc(L.no_data) : "<b>" + esc(fmt(d.value, s.decimals)) + "</b>" + (s.unit ? " " + esc(s.unit) : ""));
          if (d.rank) out += "<br>" + esc(L.rank) + "：" + esc(d.rank) + " / " + values.length;
          return out;
        }},
        visualMap: {type: "continuous", min: min, max: max, left: 10, bottom: 10, calculable: true, itemHeight: 110,
          inRange: {color: colours}, textStyle: {fontSize: 11}},
        series: [{type: "map", map: "heluo-city", nameProperty: "code", roam: false, layoutCenter: ["55%", "50%"], layoutSize: "95%",
          label: {show: true, fontSize: 11, color: "#1d2733", textBorderColor: "#fff", textBorderWidth: 2,
            formatter: function (p) { return names[p.name] || p.name; }},
          itemStyle: {borderColor: "#fff", borderWidth: 1, areaColor: "#eef0f3"},
          emphasis: {label: {show: true}, itemStyle: {areaColor: "#f2b84b"}},
          select: {disabled: true}, labelLayout: {hideOverlap: true},
          data: s.data.map(function (d) { return {name: d.name, value: d.value, areaName: d.label, rank: d.rank, zone: d.zone}; })}]
      });
    };
    if (geo[s.geojson]) { draw(geo[s.geojson]); return; }
    fetch(s.geojson).then(function (r) { return r.json(); }).then(function (json) { geo[s.geojson] = json; draw(json); });
  }

  // --- the district assessment's rank intervals (Monte Carlo) ---
  function assessmentChart() {
    var el = document.getElementById("assessment-chart"), d = readJSON("assessment-chart-data");
    if (!el || !d) return;
    var stroke = {stroke: "#5470c6", lineWidth: 2};
    make(el).setOption({
      animation: false,
      grid: {left: 8, right: 16, top: 28, bottom: 24, containLabel: true},
      legend: {top: 0, data: [d.labels.interval, d.labels.median, d.labels.rank]},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"}, formatter: function (items) {
        var i = items[0].dataIndex;
        return esc(d.names[i]) + "<br>" + esc(d.labels.rank) + ": " + esc(d.rank[i]) + "<br>" + esc(d.labels.median) + ": " +
          esc(d.median[i]) + "<br>" + esc(d.labels.interval) + ": " + esc(d.p05[i]) + "–" + esc(d.p95[i]);
      }},
      xAxis: {type: "value", min: 1, max: d.count, interval: 1, inverse: false, name: "", splitLine: {lineStyle: {type: "dashed"}}},
      yAxis: {type: "category", data: d.names, inverse: true, axisLabel: {interval: 0}},
      series: [
        {type: "custom", name: d.labels.interval, encode: {x: [0, 1], y: 2},
         data: d.names.map(function (n, i) { return [d.p05[i], d.p95[i], i]; }),
         renderItem: function (params, api) {
           var y = api.value(2), a = api.coord([api.value(0), y]), b = api.coord([api.value(1), y]);
           var h = api.size([0, 1])[1] * 0.35;
           return {type: "group", children: [
             {type: "line", shape: {x1: a[0], y1: a[1], x2: b[0], y2: b[1]}, style: stroke},
             {type: "line", shape: {x1: a[0], y1: a[1] - h / 2, x2: a[0], y2: a[1] + h / 2}, style: stroke},
             {type: "line", shape: {x1: b[0], y1: b[1] - h / 2, x2: b[0], y2: b[1] + h / 2}, style: stroke}
           ]};
         }},
        {type: "scatter", name: d.labels.median, symbolSize: 9, itemStyle: {color: "#5470c6"},
         data: d.median.map(function (v, i) { return [v, i]; })},
        {type: "scatter", name: d.labels.rank, symbol: "diamond", symbolSize: 11, itemStyle: {color: "#ee6666"},
         data: d.rank.map(function (v, i) { return [v, i]; })}
      ]
    });
  }

  function init() {
    if (typeof echarts === "undefined") return;
    sparklines();
    indicatorChart();
    districtMap();
    assessmentChart();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  // htmx swaps in new results (the district map's indicator, the assessment's options): draw their charts
  document.body.addEventListener("htmx:afterSettle", function () {
    if (typeof echarts === "undefined") return;
    if (document.getElementById("district-map")) districtMap();
    assessmentChart();
  });
})();
