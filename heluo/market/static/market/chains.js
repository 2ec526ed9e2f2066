/* 产业技术地图: a chain's graph (links by stage) and the district map, with Apache ECharts served locally.
   Data comes only from <script type="application/json"> blocks written by the views; every text is drawn by
   ECharts as text (tooltips in its rich-text mode), never put into the page as HTML. */
(function () {
  "use strict";
  var STAGE_COLOURS = ["#4a90c9", "#3fa34d", "#e8702a"], GAP = "#c0392b";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function make(el) {
    var old = echarts.getInstanceByDom(el);
    if (old) old.dispose();
    var chart = echarts.init(el, null, {renderer: "canvas"});
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  function toolbox(name, title) {
    return {right: 10, feature: {saveAsImage: {title: title, name: name, pixelRatio: 2, backgroundColor: "#fff"}}};
  }

  // --- a chain's graph: three columns (upstream → midstream → downstream), node size by records attached ---
  function chainGraph() {
    var el = document.getElementById("chain-graph"), g = readJSON("chain-graph-data");
    if (!el || !g) return;
    var L = g.labels, stageIndex = {};
    g.stages.forEach(function (s, i) { stageIndex[s] = i; });
    var max = Math.max.apply(null, [1].concat(g.nodes.map(function (n) { return n.value; })));
    var nodes = g.nodes.map(function (n) {
      var colour = STAGE_COLOURS[stageIndex[n.stage] % STAGE_COLOURS.length];
      return {
        id: n.id, name: n.name, x: n.x * 300, y: n.y * 110, value: n.value, url: n.url, stage: n.stage, counts: n.counts,
        score: n.score, gap: n.gap, category: stageIndex[n.stage],
        symbolSize: 26 + 44 * Math.sqrt(n.value / max),
        itemStyle: n.gap ? {color: colour, borderColor: GAP, borderWidth: 3, borderType: "dashed"} : {color: colour},
        label: {show: true, position: "bottom", color: n.gap ? GAP : "#1d2733",
          formatter: n.gap ? n.name + "（" + L.gap_short + "）" : n.name}
      };
    });
    var chart = make(el);
    chart.setOption({
      animation: false,
      title: {text: g.title, subtext: L.attached, left: 10, top: 6, textStyle: {fontSize: 14}},
      toolbox: toolbox(g.filename, L.save),
      legend: {top: 8, data: g.stages},
      tooltip: {renderMode: "richText", formatter: function (p) {
        if (p.dataType !== "node") return "";
        var d = p.data, lines = [d.name + " · " + d.stage];
        Object.keys(d.counts).forEach(function (k) { lines.push(k + "：" + d.counts[k]); });
        lines.push(L.strength + "：" + d.score + (d.gap ? "  " + L.gap : ""));
        return lines.join("\n");
      }},
      series: [{
        type: "graph", layout: "none", roam: true, top: 60, bottom: 40, left: 80, right: 80,
        categories: g.stages.map(function (s, i) { return {name: s, itemStyle: {color: STAGE_COLOURS[i % STAGE_COLOURS.length]}}; }),
        data: nodes, links: g.edges,
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7,
        lineStyle: {color: "#9aa5b1", opacity: 0.5, curveness: 0.1},
        emphasis: {focus: "adjacency"}
      }]
    });
    chart.on("click", function (p) {
      if (p.dataType === "node" && p.data.url && p.data.url.charAt(0) === "/") window.location.assign(p.data.url);
    });
  }

  // --- the district map: the city's districts coloured by records attached ---
  function chainMap() {
    var el = document.getElementById("chain-map"), s = readJSON("chain-map-data");
    if (!el || !s) return;
    fetch(s.geojson).then(function (r) { return r.json(); }).then(function (json) {
      var names = {};
      json.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
      echarts.registerMap("heluo-chain-city", json);
      var values = s.data.map(function (d) { return d.value; });
      var max = Math.max.apply(null, [1].concat(values));
      make(el).setOption({
        animation: false,
        toolbox: toolbox(s.filename, s.labels.save),
        tooltip: {renderMode: "richText", formatter: function (p) {
          var d = p.data || {};
          return (d.label || names[p.name] || p.name) + "\n" + s.labels.value + "：" + (d.value === undefined ? 0 : d.value);
        }},
        visualMap: {type: "continuous", min: 0, max: max, left: 10, bottom: 10, calculable: true, itemHeight: 110,
          inRange: {color: ["#e3eef9", "#9cc3e6", "#4a90c9", "#1f5f9e", "#0b3766"]}, textStyle: {fontSize: 11}},
        series: [{type: "map", map: "heluo-chain-city", nameProperty: "code", roam: false, layoutCenter: ["55%", "50%"], layoutSize: "95%",
          label: {show: true, fontSize: 11, color: "#1d2733", textBorderColor: "#fff", textBorderWidth: 2,
            formatter: function (p) { return names[p.name] || p.name; }},
          itemStyle: {borderColor: "#fff", borderWidth: 1, areaColor: "#eef0f3"},
          emphasis: {label: {show: true}, itemStyle: {areaColor: "#f2b84b"}},
          select: {disabled: true}, labelLayout: {hideOverlap: true},
          data: s.data.map(function (d) { return {name: d.name, value: d.value, label: d.label}; })}]
      });
    });
  }

  function init() {
    if (typeof echarts === "undefined") return;
    chainGraph();
    chainMap();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
