// Draws each [data-chart] element from the JSON in #report-data with Apache ECharts (SVG, no
// animation, so the page is complete as soon as it has loaded and prints as it shows).
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var base = { animation: false, grid: { left: 48, right: 16, top: 28, bottom: 40 }, tooltip: { trigger: 'axis' } };
  function merge(a, b) { var o = {}, k; for (k in a) o[k] = a[k]; for (k in b) o[k] = b[k]; return o; }
  function histogram(d) {
    return merge(base, { xAxis: { type: 'category', data: d.labels, axisLabel: { rotate: 45, fontSize: 10 } },
      yAxis: { type: 'value', name: 'leads' }, series: [{ type: 'bar', data: d.values, itemStyle: { color: '#2563eb' } }],
      grid: { left: 48, right: 16, top: 28, bottom: 58 } });
  }
  function stacked(d, x, type) {
    return merge(base, { legend: { top: 0, type: 'scroll' }, xAxis: { type: 'category', data: d[x] },
      yAxis: { type: 'value' }, series: d.series.map(function (s) {
        return { name: s.name, type: type || 'bar', stack: type ? undefined : 'all', data: s.values }; }) });
  }
  function backtest(d, value, name) {
    return merge(base, { xAxis: { type: 'category', data: d.buckets }, yAxis: { type: 'value', name: name },
      series: [{ type: 'bar', name: name, data: d[value], itemStyle: { color: '#0891b2' } }] });
  }
  var charts = {
    fit: function () { return histogram(data.fit); },
    engagement: function () { return histogram(data.engagement); },
    trend: function () {
      return merge(base, { legend: { top: 0 }, xAxis: { type: 'category', data: data.trend.days },
        yAxis: { type: 'value', name: 'leads' }, series: [
          { name: 'MQLs', type: 'line', data: data.trend.mqls, symbolSize: 6 },
          { name: 'hot leads', type: 'line', data: data.trend.hot, symbolSize: 6 }] });
    },
    transitions: function () { return stacked(data.transitions, 'days'); },
    rules: function () {
      var names = data.rules.names.slice().reverse(), points = data.rules.points.slice().reverse();
      return merge(base, { grid: { left: 130, right: 24, top: 10, bottom: 28 }, tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
        xAxis: { type: 'value' }, yAxis: { type: 'category', data: names },
        series: [{ type: 'bar', name: 'points', data: points.map(function (p) {
          return { value: p, itemStyle: { color: p < 0 ? '#dc2626' : '#16a34a' } }; }) }] });
    },
    rejects: function () { return stacked(data.rejects, 'runs'); },
    segmentSizes: function () { return stacked(data.segmentSizes, 'days', 'line'); },
    segmentFlow: function () { return stacked(data.segmentFlow, 'days'); },
    backtest_band: function () { return backtest(data.backtest_band, 'rates', 'conversion rate'); },
    backtest_grade: function () { return backtest(data.backtest_grade, 'rates', 'conversion rate'); },
    backtest_decile: function () { return backtest(data.backtest_decile, 'lift', 'lift'); }
  };
  var drawn = 0;
  document.querySelectorAll('[data-chart]').forEach(function (el) {
    var make = charts[el.getAttribute('data-chart')];
    if (!make) { throw new Error('no chart named ' + el.getAttribute('data-chart')); }
    echarts.init(el, null, { renderer: 'svg' }).setOption(make());
    drawn++;
  });
  document.body.setAttribute('data-charts-drawn', String(drawn));
})();
