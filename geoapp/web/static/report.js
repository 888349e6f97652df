/* Editing page: click a road to pick it (read fresh from the OGC API), change its status, see it restyled on the map. */
(function () {
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return values[key] === undefined ? all : String(values[key]); });
  }

  function start() {
    if (!document.getElementById('pick-map')) { return; }  /* signed out: only the sign-in form */
    var TEXT = data('report-text');
    var css = getComputedStyle(document.documentElement);
    var colour = function (status) { return css.getPropertyValue('--roads-' + status).trim() || '#555'; };  /* /theme.css */
    var config = document.getElementById('report-config').dataset;
    var form = document.getElementById('report-form');
    var select = document.getElementById('road-select');
    var result = document.getElementById('report-result');
    var picked = null;

    var map = L.map('pick-map', { preferCanvas: true, renderer: L.canvas({ tolerance: 8 }), minZoom: 7, maxZoom: 18 })
      .setView([18.9, -72.7], 8);
    var outline = data('pick-outline');
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: '#8a8a8a', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 } }).addTo(map);
    }
    var byId = {};
    var roads = L.geoJSON(data('pick-roads'), {
      style: function (f) {
        var chosen = f.properties.id === picked;
        return { color: colour(f.properties.status), weight: chosen ? 8 : 4, opacity: chosen ? 1 : 0.8 };
      },
      onEachFeature: function (f, layer) {
        byId[f.properties.id] = layer;
        layer.bindTooltip(function () { return (f.properties.name || f.properties.id) + ' (' + f.properties.status + ')'; });
        layer.on('click', function () { pick(f.properties.id); });
      }
    }).addTo(map);
    function restyle() { roads.setStyle(roads.options.style); if (picked && byId[picked]) { byId[picked].bringToFront(); } }

    function show(id, properties, version) {
      document.getElementById('road-details').hidden = false;
      document.getElementById('road-name').textContent = properties.name || '';
      document.getElementById('road-id').textContent = id;
      document.getElementById('road-status').textContent = properties.status;
      document.getElementById('road-as-of').textContent = properties.as_of || '';
      document.getElementById('road-version').textContent = version;
      document.getElementById('report-road').value = id;
      document.getElementById('report-version').value = version;
      document.getElementById('report-submit').disabled = false;
      var layer = byId[id];
      if (layer) {  /* the map shows the road as stored now, even before the server's layers catch up */
        layer.feature.properties.status = properties.status;
        layer.feature.properties.as_of = properties.as_of;
      }
      restyle();
    }
    /* the road's last changes, newest first (as the server gives them, or read from its history) */
    function history(changes) {
      var box = document.getElementById('road-history');
      var list = document.getElementById('road-history-list');
      list.textContent = '';
      if (!changes.length) { list.appendChild(document.createElement('li')).textContent = TEXT.no_changes; }
      changes.forEach(function (c) {
        list.appendChild(document.createElement('li')).textContent = fill(TEXT.change, {
          at: (c.at || '').replace('T', ' ').slice(0, 16), actor: c.actor, before: c.before || '-', after: c.after || '-',
          reason: c.reason || '' });
      });
      box.hidden = false;
    }
    function fetchHistory(id, version) {
      if (!(Number(version) > 1)) { history([]); return; }  /* never changed since loaded: nothing recorded */
      fetch(config.itemUrl.replace('ID', encodeURIComponent(id)) + '/history', { headers: { Accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : { changes: [] }; })
        .then(function (body) {
          history(body.changes.slice(-5).reverse().map(function (c) {
            return { at: c.at, actor: c.actor, reason: c.reason,
              before: c.before && c.before.properties ? c.before.properties.status : null,
              after: c.after && c.after.properties ? c.after.properties.status : null };
          }));
        })
        .catch(function () { history([]); });
    }
    function pick(id) {
      picked = id;
      select.value = id;
      /* the address names the road picked (and keeps the view), so a link to it can be shared */
      window.history.replaceState(window.history.state, '', window.location.pathname + '?road=' +
        encodeURIComponent(id) + window.location.hash);
      restyle();
      result.textContent = '';
      delete result.dataset.state;
      fetch(config.itemUrl.replace('ID', encodeURIComponent(id)), { headers: { Accept: 'application/geo+json' } })
        .then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body, etag: response.headers.get('ETag') }; });
        })
        .then(function (answer) {
          if (!answer.ok) { throw new Error(answer.body.error ? answer.body.error.message : String(answer.body)); }
          var version = /(\d+)/.exec(answer.etag || '');
          document.getElementById('report-status').value = answer.body.properties.status;
          show(id, answer.body.properties, version ? version[1] : '');
          fetchHistory(id, version ? version[1] : '');
          result.textContent = TEXT.picked;
          result.dataset.state = 'picked';
        })
        .catch(function (error) { result.textContent = fill(TEXT.not_found, { message: error.message }); });
    }
    select.addEventListener('change', function () { if (select.value) { pick(select.value); } });

    var stored = data('report-road-stored');
    haView.follow(map);
    if (stored) {
      picked = stored.id;
      show(stored.id, stored.properties, stored.version);
      history(stored.history);
      if (!haView.linked && byId[stored.id]) { map.fitBounds(byId[stored.id].getBounds(), { maxZoom: 13, padding: [30, 30] }); }
    }

    form.addEventListener('submit', function (event) {
      event.preventDefault();
      result.textContent = TEXT.saving;
      result.dataset.state = 'saving';
      fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), credentials: 'same-origin',
        referrerPolicy: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) {
            result.textContent = fill(TEXT.failed, { message: answer.body.error ? answer.body.error.message : '' });
            result.dataset.state = 'error';
            return;
          }
          var done = answer.body;
          show(done.id, done.road.properties, done.version);
          history(done.road.history);
          document.getElementById('report-reason').value = '';
          result.textContent = fill(TEXT.saved, { name: done.name || done.id, status: done.status, as_of: done.as_of, version: done.version });
          result.dataset.state = 'saved';
        })
        .catch(function () { result.textContent = TEXT.no_answer; result.dataset.state = 'error'; });
    });
    window.haMap = map;
    window.haReport = { roads: roads, byId: byId, colour: colour };
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
