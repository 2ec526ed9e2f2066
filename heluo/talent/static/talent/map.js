/* The talent map: the city's districts coloured by talents on record, with Apache ECharts served locally. Data comes
   only from the <script type="application/json"> block the view writes; texts are drawn by ECharts as text. */
(function () {
  "use strict";

  function init() {
    var el = document.getElementById("talent-map"), holder = document.getElementById("talent-map-data");
    if (!el || !holder || typeof echarts === "undefined") return;
    var s = JSON.parse(holder.textContent);
    fetch(s.geojson).then(function (r) { return r.json(); }).then(function (json) {
      var names = {};
      json.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
      echarts.registerMap("heluo-talent-city", json);
      var max = Math.max.apply(null, [1].concat(s.data.map(function (d) { return d.value; })));
      var chart = echarts.init(el, null, {renderer: "canvas"});
      window.addEventListener("resize", function () { chart.resize(); });
      chart.setOption({
        animation: false,
        toolbox: {right: 10, feature: {saveAsImage: {title: s.labels.save, name: s.filename, pixelRatio: 2, backgroundColor: "#fff"}}},
        tooltip: {renderMode: "richText", formatter: function (p) {
          var d = p.data || {};
          return (d.label || names[p.name] || p.name) + "\n" + s.labels.value + "：" + (d.value === undefined ? 0 : d.value);
        }},
        visualMap: {type: "continuous", min: 0, max: max, left: 10, bottom: 10, calculable: true, itemHeight: 110,
          inRange: {color: ["#eaf4ec", "#a8d5b0", "#3fa34d", "#21693a"]}, textStyle: {fontSize: 11}},
        series: [{type: "map", map: "heluo-talent-city", nameProperty: "code", roam: false, layoutCenter: ["55%", "50%"], layoutSize: "95%",
          label: {show: true, fontSize: 11, color: "#1d2733", textBorderColor: "#fff", textBorderWidth: 2,
            formatter: function (p) { return names[p.name] || p.name; }},
          itemStyle: {borderColor: "#fff", borderWidth: 1, areaColor: "#eef0f3"},
          emphasis: {label: {show: true}, itemStyle: {areaColor: "#f2b84b"}}, select: {disabled: true},
          data: s.data.map(function (d) { return {name: d.name, value: d.value, label: d.label}; })}]
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
