/* A demand campaign's breakdown: demands collected per district, stacked by status, with the district's target as a
   line, from the "campaign-chart-data" JSON block. Names reach ECharts as data (its tooltips escape them); no HTML
   is built here. */
(function () {
  var node = document.getElementById("campaign-chart-data"), el = document.getElementById("campaign-chart");
  if (!node || !el || !window.echarts) { return; }
  var data = JSON.parse(node.textContent);
  var chart = echarts.init(el, null, {renderer: "svg"});
  var series = data.series.map(function (s) { return {name: s.name, type: "bar", stack: "status", data: s.data}; });
  series.push({name: data.target_label, type: "line", data: data.targets, symbol: "diamond", symbolSize: 10, lineStyle: {type: "dashed"}, connectNulls: false});
  chart.setOption({
    animation: false, tooltip: {trigger: "axis"}, legend: {top: 0},
    grid: {left: 8, right: 16, top: 36, bottom: 4, containLabel: true},
    xAxis: {type: "category", data: data.districts, axisLabel: {interval: 0, rotate: data.districts.length > 8 ? 30 : 0}},
    yAxis: {type: "value", minInterval: 1},
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
