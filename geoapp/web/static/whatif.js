/* What-if page: pick roads (map or list) or draw an area to close, ask POST /api/whatif, show the outcome. */
(function () {
  var _ = window.haT, label = window.haLabel;
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function km(m) { return m === null || m === undefined ? '-' : (m / 1000).toFixed(1); }

  function start() {
    var colours = data('whatif-colours');
    var sites = data('whatif-sites') || {};
    var form = document.getElementById('whatif-form');
    var list = document.getElementById('whatif-roads');
    var map = L.map('pick-map', { preferCanvas: true, renderer: L.canvas({ tolerance: 8 }), minZoom: 7, maxZoom: 18 })
      .setView([18.6, -72.5], 9);  /* tolerance: roads are easy to tap on a phone */
    var outline = data('pick-outline');
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: '#8a8a8a', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 } }).addTo(map);
    }
    haView.follow(map);  /* a shared link's view, kept in the address */
    function chosen() {
      return Array.prototype.filter.call(list.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
    }
    var roadLayer = L.geoJSON(data('pick-roads'), {
      style: function (f) {
        var picked = chosen().indexOf(f.properties.id) >= 0;
        return { color: picked ? '#000' : (colours.roads[f.properties.status] || '#555'), weight: picked ? 6 : 3, opacity: 0.8 };
      },
      onEachFeature: function (f, layer) {
        layer.bindTooltip(f.properties.name + ' (' + label('roads', f.properties.status) + ')');
        layer.on('click', function (event) {
          if (drawing) { return; }
          L.DomEvent.stopPropagation(event);
          var option = list.querySelector('option[value="' + CSS.escape(f.properties.id) + '"]');
          if (option) { option.selected = !option.selected; restyle(); }
        });
      }
    }).addTo(map);
    function restyle() { roadLayer.setStyle(roadLayer.options.style); }
    list.addEventListener('change', restyle);

    // a small area tool: "Draw an area", click the corners, undo the last one, "Finish area" closes the ring
    var drawing = false, vertices = [], sketch = null, area = null;
    var state = document.getElementById('whatif-area-state');
    var finish = document.getElementById('whatif-finish');
    var undo = document.getElementById('whatif-undo');
    function redraw() {
      if (sketch) { map.removeLayer(sketch); }
      sketch = null;
      if (vertices.length) {
        sketch = L.layerGroup([
          L.polygon(vertices, { color: '#000', weight: 2, dashArray: drawing ? '4 4' : null, fillOpacity: 0.1, interactive: false })
        ].concat(drawing ? vertices.map(function (v) {
          return L.circleMarker(v, { radius: 4, color: '#000', weight: 1, fillColor: '#fff', fillOpacity: 1, interactive: false });
        }) : [])).addTo(map);
      }
      state.textContent = drawing ? _('%(count)s vertices: click the map to add more', { count: vertices.length }) :
        (area ? _('An area is drawn: every road meeting it is closed.') : _('No area drawn.'));
      finish.disabled = !drawing || vertices.length < 3;
      undo.disabled = !drawing || vertices.length === 0;
      map.getContainer().classList.toggle('drawing', drawing);
    }
    document.getElementById('whatif-draw').addEventListener('click', function () {
      drawing = true; vertices = []; area = null; redraw();
    });
    undo.addEventListener('click', function () { vertices.pop(); redraw(); });
    finish.addEventListener('click', function () {
      drawing = false;
      var ring = vertices.map(function (v) { return [Number(v.lng.toFixed(5)), Number(v.lat.toFixed(5))]; });
      ring.push(ring[0]);
      area = { type: 'Polygon', coordinates: [ring] };
      redraw();
    });
    document.getElementById('whatif-clear').addEventListener('click', function () {
      drawing = false; vertices = []; area = null;
      Array.prototype.forEach.call(form.querySelectorAll('select[multiple] option'), function (o) { o.selected = false; });
      restyle(); redraw(); results.clearLayers();
    });
    map.on('click', function (event) {
      if (drawing) { vertices.push(event.latlng); redraw(); }
    });
    window.haWhatif = { roads: roadLayer, chosen: chosen, area: function () { return area; } };

    var results = L.layerGroup().addTo(map);
    var box = document.getElementById('whatif-result');
    function show(answer) {
      results.clearLayers();
      box.textContent = '';
      if (answer.scenario.closed_geometry) {
        L.geoJSON(answer.scenario.closed_geometry, { interactive: false, style: { color: '#000', weight: 7, dashArray: '1 4 8 4' } }).addTo(results);
      }
      var s = answer.summary;
      box.appendChild(el('h2', _('Result')));
      box.appendChild(el('p', _('%(same)s sites keep their route, %(detour)s take a detour, %(unreachable)s are unreachable; %(lose)s lose safe access (%(people)s people). %(edges)s road pieces closed (%(km)s km).', {
          same: s.same_route, detour: s.detour, unreachable: s.unreachable, lose: s.lose_safe_access,
          people: s.people_losing_safe_access, edges: answer.scenario.edges_closed, km: answer.scenario.closed_km }),
        'whatif-summary'));
      answer.warnings.forEach(function (w) { box.appendChild(el('p', w, 'warning')); });
      var table = el('table');
      table.id = 'whatif-sites-table';
      var head = el('tr');
      [_('Site'), _('Outcome'), _('Before'), _('After'), _('Change (km)'), _('Why')].forEach(function (t) { head.appendChild(el('th', t)); });
      table.appendChild(head);
      answer.sites.forEach(function (row) {
        var tr = el('tr');
        tr.dataset.outcome = row.outcome;
        tr.appendChild(el('td', row.name));
        var outcome = el('td');
        outcome.appendChild(el('span', '', 'dot ' + row.outcome));
        outcome.appendChild(document.createTextNode(label('outcome', row.outcome)));
        tr.appendChild(outcome);
        tr.appendChild(el('td', label('access', row.before.access) + ' ' + km(row.before.distance_m) + ' km'));
        tr.appendChild(el('td', label('access', row.after.access) + ' ' + km(row.after.distance_m) + ' km'));
        tr.appendChild(el('td', row.detour_m === undefined ? '' : km(row.detour_m)));
        tr.appendChild(el('td', row.after.reason));
        table.appendChild(tr);
        var colour = colours.outcome[row.outcome];
        if (row.after.route) {
          L.geoJSON(row.after.route, { interactive: false, style: { color: colour, weight: 4, opacity: 0.9 } }).addTo(results);
        }
        (row.after.legs || []).forEach(function (leg) {  /* boats long dashes, flights short ones, as /route draws them */
          L.geoJSON(leg.geometry, { style: { color: colour, weight: 4, opacity: 0.9, dashArray: leg.mode === 'air' ? '4 8' : '14 10' } })
            .bindTooltip((leg.mode === 'air' ? _('By air') : _('By boat')) + ': ' + leg.from + ' -> ' + leg.to)
            .addTo(results);
        });
        var at = sites[row.id];
        if (at) {
          L.circleMarker([at[1], at[0]], { radius: 7, color: '#000', weight: 1, fillColor: colour, fillOpacity: 0.95 })
            .bindTooltip(row.name + ': ' + label('outcome', row.outcome)).addTo(results);
        }
      });
      box.appendChild(table);
    }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var lonlat = document.getElementById('whatif-hub-lonlat').value.trim();
      var body = { from: lonlat || document.getElementById('whatif-hub').value };
      var roads = chosen();
      if (roads.length) { body.close_roads = roads; }
      if (area) { body.close_areas = area; }
      var modes = Array.prototype.filter.call(form.querySelectorAll('input[name=modes]'), function (box) { return box.checked; })
        .map(function (box) { return box.value; });
      if (modes.length) { body.modes = ['road'].concat(modes); }
      [['whatif-connections', 'suspend_connections'], ['whatif-ports', 'close_ports']].forEach(function (pair) {
        var select = document.getElementById(pair[0]);
        var ids = select ? Array.prototype.filter.call(select.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; }) : [];
        if (ids.length) { body[pair[1]] = ids; }
      });
      ['vehicle', 'season'].forEach(function (name) {
        var value = form.querySelector('select[name=' + name + ']').value;
        if (value) { body[name] = value; }
      });
      box.textContent = _('Asking...');
      fetch(window.haApi(form.dataset.api), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
        .then(function (response) { return response.json().then(function (json) { return [response.ok, json]; }); })
        .then(function (pair) {
          if (pair[0]) { show(pair[1]); return; }
          box.textContent = '';
          box.appendChild(el('p', pair[1].error ? pair[1].error.message : _('The request failed.'), 'warning'));
        })
        .catch(function () { box.textContent = _('The request failed.'); });
    });
    window.haMap = map;
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
