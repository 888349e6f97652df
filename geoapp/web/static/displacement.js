/* The displacement choropleth: communes filled by displaced people (or per 1,000 residents) in the round
   chosen in the panel, with the same classes for every round; a click on a commune adds its figures,
   trend chart and open sites to its popup. Figures come from /api/displacement, one round at a time. */
(function () {
  'use strict';
  var _ = window.haT;
  var cfg, entry, hatch, seq = 0;
  var shown = { metric: 'individuals', round: null, areas: {}, loads: 0 };
  window.haChoropleth = shown;

  function start() {
    var data = window.ha.data();
    cfg = data && data.displacement;
    entry = window.haBoundaries && window.haBoundaries.layers.communes;
    if (!cfg || !entry) { return; }
    var popups = window.haBoundaries.popups;
    (popups.communes = popups.communes || []).push(addFigures);
    var metric = document.getElementById('choropleth-metric');
    var round = document.getElementById('choropleth-round');
    if (metric) {
      metric.addEventListener('change', function () { shown.metric = metric.value; restyle(); legend(); report(); });
      shown.metric = metric.value;
    }
    if (round) { round.addEventListener('change', function () { choose(round.value); }); }
    entry.layer.on('haloaded', function () { restyle(); report(); });
    legend();
    choose(round ? round.value : cfg.selected);
  }

  function choose(value) {
    var token = ++seq;
    if (value === '' || value === null || value === undefined) {
      shown.round = null;
      shown.areas = {};
      restyle();
      status(_('Choose a round to fill the communes.'));
      return;
    }
    var index = Number(value), round = cfg.rounds[index];
    status(_('Loading the figures of %(round)s...', { round: round.label }));
    window.ha.getJSON(window.haApi(cfg.api + '?level=adm2&date=' + encodeURIComponent(round.date))).then(function (body) {
      if (token !== seq) { return; }
      var areas = {};
      body.areas.forEach(function (area) { areas[area.pcode] = area; });
      shown.round = index;
      shown.areas = areas;
      shown.mismatch = body.round && body.round.round !== round.round;
      shown.loads += 1;
      restyle();
      report();
    }).catch(function (error) {
      if (token === seq) { status(_('The figures could not be loaded (%(error)s).', { error: error.message })); }
    });
  }

  function report() {
    if (shown.round === null) { return; }
    var round = cfg.rounds[shown.round], pcodes = Object.keys(shown.areas), total = 0;
    pcodes.forEach(function (p) { total += shown.areas[p].individuals; });
    var missing = entry.items.length ? entry.items.length - pcodes.length : null;
    var text = _('%(round)s: %(people)s displaced people in %(communes)s communes', { round: round.label,
      people: window.ha.number(total), communes: pcodes.length });
    if (missing) { text += _('; %(missing)s communes without figures (hatched)', { missing: missing }); }
    if (shown.metric === 'none') { text += _('. Communes drawn as outlines.'); } else { text += '.'; }
    if (shown.mismatch) { text += _(' Another round has the same date: the figures shown are the later one\'s.'); }
    status(text);
  }

  function status(text) {
    var node = document.getElementById('choropleth-status');
    if (node) { node.textContent = text; }
  }

  function legend() {
    Array.prototype.forEach.call(document.querySelectorAll('.choropleth-legend'), function (node) {
      node.hidden = node.getAttribute('data-metric') !== shown.metric;
    });
  }

  function classColour(value, classes) {
    var i = 0;
    while (i < classes.breaks.length && value >= classes.breaks[i]) { i += 1; }
    return classes.colours[i];
  }

  function style(feature) {
    var base = entry.layer.options.style;
    if (shown.round === null || shown.metric === 'none') {
      return { fillOpacity: base.fillOpacity || 0, fillColor: base.color };
    }
    var area = shown.areas[feature.properties.id];
    var value = area ? area[shown.metric] : null;
    if (value === null || value === undefined) { return { fillColor: noFigures(), fillOpacity: 1 }; }
    return { fillColor: classColour(value, cfg.classes[shown.metric]), fillOpacity: 0.72 };
  }

  function restyle() {
    entry.layer.setStyle(style);
  }

  /* communes without figures: grey hatching on the canvas (light grey where the map draws in SVG) */
  function noFigures() {
    if (hatch) { return hatch; }
    var first = entry.layer.getLayers()[0];
    var renderer = first && first._renderer;
    if (!(renderer instanceof L.Canvas) || !renderer._ctx) { return '#d9d9d9'; }
    var tile = document.createElement('canvas'), size = 9;
    tile.width = tile.height = size;
    var ctx = tile.getContext('2d');
    ctx.fillStyle = 'rgba(244, 244, 244, 0.8)';
    ctx.fillRect(0, 0, size, size);
    ctx.strokeStyle = '#b3b3b3';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, size); ctx.lineTo(size, 0);
    ctx.moveTo(-2, 2); ctx.lineTo(2, -2);
    ctx.moveTo(size - 2, size + 2); ctx.lineTo(size + 2, size - 2);
    ctx.stroke();
    hatch = renderer._ctx.createPattern(tile, 'repeat');
    return hatch;
  }

  /* the popup's figures: the round shown, per 1,000, change, then the trend chart and open sites */
  function addFigures(props, node, path) {
    var ha = window.ha;
    if (shown.round === null) { return; }
    var round = cfg.rounds[shown.round], area = shown.areas[props.id];
    var box = ha.el('div', { 'class': 'figures' }, [ha.el('div', { 'class': 'heading', text: _('Displaced people, %(round)s', { round: round.label }) })]);
    if (area) {
      var before = shown.round > 0 ? cfg.rounds[shown.round - 1].label : null;
      var change = area.change === null || area.change === undefined ? _('no figure in the round before')
        : (area.change > 0 ? '+' : '') + ha.number(area.change);
      var rows = [[_('displaced people'), ha.number(area.individuals)],
                  [_('per 1,000 residents'), ha.number(area.per_1000_residents, 1)]];
      if (before) { rows.push([_('change since %(round)s', { round: before }), change]); }
      box.appendChild(ha.el('table', {}, rows.map(function (r) {
        return ha.el('tr', {}, [ha.el('td', { text: r[0] }), ha.el('td', { 'class': 'value', text: r[1] })]);
      })));
    } else {
      box.appendChild(ha.el('p', { text: _('No figures for this commune in %(round)s.', { round: round.label }) }));
    }
    var more = ha.el('div', { 'class': 'commune-detail', text: _('Loading the trend and sites...') });
    box.appendChild(more);
    node.appendChild(box);
    ha.getJSON(window.haApi(cfg.api + '/' + encodeURIComponent(props.id))).then(function (commune) {
      more.textContent = '';
      var chart = ha.el('img', { 'class': 'trend', src: commune.chart, width: '300', height: '140',
                                 alt: _('Displaced people per round in %(commune)s', { commune: commune.name }) });
      chart.addEventListener('load', function () { refresh(path); });
      more.appendChild(chart);
      var sites = commune.sites || [];
      more.appendChild(ha.el('div', { 'class': 'heading', text: sites.length ? _('Open displacement sites (%(count)s)', {
        count: sites.length }) : _('No open displacement site on record in this commune.') }));
      if (sites.length) {
        more.appendChild(ha.el('ul', { 'class': 'sites' }, sites.map(function (s) {
          return ha.el('li', {}, [_('%(site)s: %(people)s people (as of %(date)s)', { site: s.name,
            people: ha.number(s.individuals), date: s.as_of })]);
        })));
      }
      refresh(path);
    }).catch(function (error) {
      more.textContent = _('Trend and sites could not be loaded (%(error)s).', { error: error.message });
      refresh(path);
    });
  }

  function refresh(path) {
    var popup = path.getPopup();
    if (popup && popup.isOpen()) { popup.update(); }
  }

  window.ha.onMap(start);
})();
