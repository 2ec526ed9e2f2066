/* A voucher programme's budget use by voucher type and by district (ECharts), from the "budget-chart" JSON block.
   The tooltips are ECharts' own, which escape names. */
(function () {
  var node = document.getElementById("budget-chart");
  if (!node || !window.echarts) { return; }
  var data = JSON.parse(node.textContent), made = [];
  ["type", "area"].forEach(function (key) {
    var el = document.getElementById("chart-" + key), d = data[key];
    if (!el || !d || !d.names.length) { if (el) { el.remove(); } return; }
    var chart = echarts.init(el, null, {renderer: "svg"});
    var names = {type: "category", data: d.names, axisLabel: {interval: 0}}, values = {type: "value"};
    if (key === "area") { names.inverse = true; names.axisLabel.width = 150; names.axisLabel.overflow = "truncate"; }  // many, long names: horizontal bars
    chart.setOption({
      animation: false, tooltip: {trigger: "axis"}, legend: {top: 0},
      grid: {left: 8, right: 16, top: 30, bottom: 4, containLabel: true},
      xAxis: key === "area" ? values : names, yAxis: key === "area" ? names : values,
      series: ["committed", "redeemed", "settled"].map(function (s) { return {name: data.labels[s], type: "bar", data: d[s]}; })
    });
    made.push(chart);
  });
  window.addEventListener("resize", function () { made.forEach(function (c) { c.resize(); }); });
})();
