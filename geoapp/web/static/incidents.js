/* Incidents on the overview: counted per commune when zoomed out (drawn in the page); from the zoom
   level the page names, each incident in view is fetched from the OGC API, page by page, up to a
   limit, and the panel says how many the view holds when that is more than are drawn. */
(function () {
  'use strict';
  var _ = window.haT, label = window.haLabel;
  var cfg, group, counts, detail, timer, seq = 0, loadedFor = null;
  var state = { mode: 'counts', matched: null, drawn: 0 };
  window.haIncidents = state;

  function start(map) {
    var data = window.ha.data();
    cfg = data && data.incidents;
    group = cfg && window.haLayers[cfg.layer];
    counts = window.haParts && window.haParts['incidents-by-commune'];
    if (!cfg || !group || !counts) { return; }
    detail = L.geoJSON(null, { pointToLayer: marker, onEachFeature: bind });
    state.detail = detail;
    map.on('moveend', schedule);
    map.on('overlayadd overlayremove', schedule);
    refresh();
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  }

  function refresh() {
    var map = window.haMap;
    if (!map.hasLayer(group)) { status(''); return; }
    if (map.getZoom() < cfg.zoom) {
      seq += 1;  // answers still on their way are for a view left behind
      loadedFor = null;
      if (group.hasLayer(detail)) { group.removeLayer(detail); }
      if (!group.hasLayer(counts)) { group.addLayer(counts); }
      state.mode = 'counts';
      status(_('%(total)s incidents are counted per commune at this zoom; zoom in to level %(zoom)s or more to see each one in view.', {
        total: window.ha.number(cfg.total), zoom: cfg.zoom }));
      return;
    }
    var b = map.getBounds();
    var box = [clamp(b.getWest(), 180, 'floor'), clamp(b.getSouth(), 90, 'floor'),
               clamp(b.getEast(), 180, 'ceil'), clamp(b.getNorth(), 90, 'ceil')].join(',');
    if (box === loadedFor && state.mode === 'detail') { return; }
    var token = ++seq;
    state.mode = 'loading';
    status(_('Loading the incidents in view...'));
    var query = { bbox: box, datetime: cfg.start + '/' + cfg.end, sortby: '-event_date', limit: String(cfg.page) };
    if (cfg.stored_at) { query.stored_at = cfg.stored_at; }
    fetchAll(cfg.items + '?' + new URLSearchParams(query).toString(), [], token).then(function (answer) {
      if (token !== seq) { return; }
      detail.clearLayers();
      detail.addData({ type: 'FeatureCollection', features: answer.features });
      if (group.hasLayer(counts)) { group.removeLayer(counts); }
      if (!group.hasLayer(detail)) { group.addLayer(detail); }
      loadedFor = box;
      state.mode = 'detail';
      state.matched = answer.matched;
      state.drawn = answer.features.length;
      var n = window.ha.number;
      status(state.matched > state.drawn
        ? _('%(matched)s incidents in view: the %(drawn)s most recent are drawn. Zoom in to see the others.', {
          matched: n(state.matched), drawn: n(state.drawn) })
        : (state.drawn === 1 ? _('1 incident in view, all drawn.')
          : _('%(drawn)s incidents in view, all drawn.', { drawn: n(state.drawn) })));
    }).catch(function (error) {
      if (token !== seq) { return; }
      state.mode = 'error';
      status(_('The incidents in view could not be loaded (%(error)s); counts per commune shown.', { error: error.message }));
      if (!group.hasLayer(counts)) { group.addLayer(counts); }
    });
  }

  /* follows the "next" links until the limit; the first page says how many match */
  function fetchAll(url, features, token) {
    return window.ha.getJSON(url).then(function (page) {
      features = features.concat(page.features);
      var next = (page.links || []).filter(function (l) { return l.rel === 'next'; })[0];
      var result = { features: features, matched: page.numberMatched };
      if (!next || features.length >= cfg.most || token !== seq) { return result; }
      var target = new URL(next.href, window.location.href);  // same site, whatever host the server named
      return fetchAll(target.pathname + target.search, features, token).then(function (rest) {
        return { features: rest.features, matched: result.matched };
      });
    });
  }

  function clamp(value, limit, round) {
    var v = Math[round](value * 1e4) / 1e4;
    return String(Math.max(-limit, Math.min(limit, v)));
  }

  function marker(feature, at) {
    var p = feature.properties;
    return L.circleMarker(at, { radius: Math.round(Math.min(16, 4 + 1.5 * Math.sqrt(Math.max(p.fatalities || 0, 0))) * 10) / 10,
      color: '#000000', weight: 1, fill: true, fillColor: cfg.colours[p.status] || '#7f7f7f', fillOpacity: 0.8 });
  }

  function bind(feature, layer) {
    layer.bindTooltip(function () { return window.ha.el('span', { text: feature.properties.name + ' (' +
                                                                   label('incidents', feature.properties.status) + ')' }); });
    layer.bindPopup(function () { return popup(feature); }, { maxWidth: 320 });
  }

  /* built when opened: the fields of the incidents' popups elsewhere, and the download link */
  function popup(feature) {
    var ha = window.ha, p = feature.properties;
    var rows = cfg.fields.filter(function (f) { return p[f] !== null && p[f] !== undefined && p[f] !== ''; })
      .map(function (f) {
        return ha.el('tr', {}, [ha.el('th', { text: label('field', f) }), ha.el('td', { text: value(f, p[f]) })]);
      });
    var link = ha.el('a', { href: cfg.items + '/' + encodeURIComponent(feature.id || p.id), download: '', text: 'GeoJSON' });
    rows.push(ha.el('tr', {}, [ha.el('th', { text: _('download') }), ha.el('td', {}, [link])]));
    return ha.el('div', { 'class': 'ha-popup incident' }, [ha.el('table', {}, rows)]);
  }

  /* codes shown by their label (status, event type, confidence); other values as they are */
  function value(field, v) {
    var vocabulary = { status: 'incidents', event_type: 'event_type', confidence: 'confidence' }[field];
    return vocabulary ? label(vocabulary, v) : String(v);
  }

  function status(text) {
    var node = document.getElementById('incident-detail');
    if (node) { node.textContent = text; }
  }

  window.ha.onMap(start);
})();
