/* The annual report's indicator charts (ECharts), from the JSON block written by the report template. Served as a
   file on the site; inlined into the standalone HTML report (a download, the command's output) so it works offline. */
(function () {
  var node = document.getElementById("report-charts");
  if (!node || !window.echarts) { return; }
  var charts = JSON.parse(node.textContent);
  var fmt = function (v) { return Number(v).toLocaleString("zh-CN", {maximumFractionDigits: 2}); };
  // the tooltip is HTML: every piece of data in it is escaped
  var esc = function (v) { return String(v === null || v === undefined ? "" : v).replace(/[&<>"']/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; }); };
  var made = [];
  charts.forEach(function (c) {
    var el = document.getElementById("chart-" + c.code);
    if (!el) { return; }
    var chart = echarts.init(el, null, {renderer: "svg"});
    var xs = c.values.map(function (v) { return v[0]; }).concat(c.path.map(function (p) { return p[0]; }));
    if (c.target_year) { xs.push(c.target_year); }
    var series = [{
      name: "监测值", type: "line", symbolSize: 7, itemStyle: {color: c.colour}, lineStyle: {color: c.colour, width: 2},
      data: c.values.map(function (v) { return {value: [v[0], v[1]], name: v[2]}; })
    }];
    if (c.path.length) {
      series.push({name: "规划路径", type: "line", symbol: "none", lineStyle: {type: "dashed", color: "#7a8696"}, itemStyle: {color: "#7a8696"}, data: c.path});
    }
    if (c.target !== null && c.target_year) {
      series.push({name: "规划目标", type: "scatter", symbol: "diamond", symbolSize: 12, itemStyle: {color: "#b02a37"}, data: [[c.target_year, c.target]]});
    }
    chart.setOption({
      animation: false,
      legend: {right: 6, top: 0, textStyle: {fontSize: 11}, itemWidth: 14, itemHeight: 8},
      grid: {left: 8, right: 22, top: 34, bottom: 4, containLabel: true},
      tooltip: {trigger: "item", formatter: function (p) {
        var label = (p.data && p.data.name) ? p.data.name : (p.value[0] + "年");
        return esc(p.seriesName) + "<br>" + esc(label) + "：" + esc(fmt(p.value[1])) + esc(c.unit === "%" ? "%" : c.unit);
      }},
      xAxis: {type: "value", min: Math.floor(Math.min.apply(null, xs)), max: Math.ceil(Math.max.apply(null, xs)), interval: 1,
              axisLabel: {formatter: function (v) { return String(v); }}, splitLine: {show: false}},
      yAxis: {type: "value", scale: true, name: c.unit, nameTextStyle: {align: "left", fontSize: 11},
              axisLabel: {formatter: function (v) { return fmt(v); }}},
      series: series
    });
    made.push(chart);
  });
  window.addEventListener("resize", function () { made.forEach(function (ch) { ch.resize(); }); });
  window.addEventListener("beforeprint", function () { made.forEach(function (ch) { ch.resize(); }); });
})();
