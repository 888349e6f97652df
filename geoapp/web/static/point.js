/* Point check page: click the map (or type lon,lat or a place name), ask /api/safety, show and draw the answer. */
(function () {
  var _ = window.haT, label = window.haLabel;
  var ASSESSMENT = {
    inside_controlled: _('Inside a gang-controlled zone'), inside_contested: _('Inside a contested zone'),
    inside_influence: _('Inside a zone where armed groups operate'), near_controlled: _('Near a gang-controlled zone'),
    caution: _('Caution'), at_sea: _('At sea (outside Haiti\u2019s land)'), clear: _('Nothing mapped nearby')
  };
  var css = getComputedStyle(document.documentElement);
  var colour = function (name) { return css.getPropertyValue(name).trim(); };  /* from /theme.css */
  var ROAD_COLOURS = { open: colour('--roads-open'), dangerous: colour('--roads-dangerous'),
    blocked: colour('--roads-blocked'), closed: colour('--roads-closed') };
  var VERDICT_COLOURS = { safe: colour('--verdict-safe'), caution: colour('--verdict-caution'),
    unsafe: colour('--verdict-unsafe') };
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  function km(m) { return m >= 1000 ? _('%(km)s km', { km: (m / 1000).toFixed(1) }) : Math.round(m) + ' m'; }
  function start() {
    var map = L.map('pick-map', { preferCanvas: true, minZoom: 7, maxZoom: 18 }).setView([18.9, -72.7], 8);
    var outline = data('pick-outline');
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: '#8a8a8a', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 } }).addTo(map);
    }
    var roads = data('pick-roads');
    if (roads) {
      L.geoJSON(roads, { interactive: false, style: function (f) {
        return { color: ROAD_COLOURS[f.properties.status] || '#555', weight: 2, opacity: 0.6 };
      } }).addTo(map);
    }
    haView.follow(map);  /* a shared link's view, kept in the address */
    var drawn = L.layerGroup().addTo(map);
    var form = document.getElementById('point-form');
    var field = document.getElementById('at');
    var radius = document.getElementById('radius_m');
    var panel = document.getElementById('point-answer');

    function list(title, items) {
      if (!items.length) { return; }
      panel.appendChild(el('h3', title));
      var ul = el('ul');
      items.forEach(function (text) { ul.appendChild(el('li', text)); });
      panel.appendChild(ul);
    }
    function nearest(what, entry) {
      var out = [];
      if (entry.by_road) {
        var r = entry.by_road;
        // (no _() inside another's arguments: the catalogs' extractor would not see it)
        var note = r.safe_route_found ? '' : _(', no route avoids controlled zones and blocked roads: least-risk route');
        out.push(_('%(what)s by road: %(name)s, %(distance)s (%(verdict)s%(note)s)', { what: what, name: r.name,
          distance: km(r.distance_m), verdict: label('verdict', r.verdict), note: note }));
      } else {
        out.push(_('%(what)s by road: none found', { what: what }));
      }
      if (entry.straight_line) {
        out.push(_('%(what)s in a straight line: %(name)s, %(distance)s', { what: what,
          name: entry.straight_line.name, distance: km(entry.straight_line.distance_m) }));
      }
      return out;
    }
    function show(answer, latlng, centre) {
      drawn.clearLayers();
      panel.textContent = '';
      panel.appendChild(el('h2', ASSESSMENT[answer.assessment] || answer.assessment, 'assessment ' + answer.assessment));
      panel.appendChild(el('p', answer.summary, 'summary'));
      if (answer.place) {  /* a place given by name: which one it was taken to be */
        var placeLine = _('Place: %(name)s (%(kind)s)', { name: answer.place.name, kind: answer.place.kind.replace(/_/g, ' ') });
        panel.appendChild(el('p', placeLine, 'place'));
      }
      var place = answer.commune ? answer.commune.name + (answer.department ? ', ' + answer.department.name : '') : null;
      if (place) { panel.appendChild(el('p', _('Commune: %(place)s', { place: place }))); }
      list(_('Zones'), answer.inside.concat(answer.near).map(function (z) {
        return z.name + ': ' + z.wording + (z.distance_m !== undefined ? _(' (%(distance)s away)', { distance: km(z.distance_m) })
          : _(' (the point is inside)'));
      }));
      list(_('Roads not open within %(metres)s m', { metres: answer.radius_m }), answer.roads_not_open.map(function (r) {
        return _('%(road)s: %(status)s, %(distance)s (as of %(date)s)', { road: r.name || r.id,
          status: label('roads', r.status), distance: km(r.distance_m), date: r.as_of });
      }));
      list(_('Recent incidents weighing here (risk %(risk)s)', { risk: answer.incident_risk }), answer.incidents.map(function (i) {
        var place = i.location ? _(' at %(place)s', { place: i.location }) : '';
        return _('%(date)s %(event)s%(place)s, %(deaths)s killed, %(distance)s away, weight %(weight)s', {
          date: i.event_date, event: label('event_type', i.event_type), place: place, deaths: i.fatalities,
          distance: km(i.distance_m), weight: i.weight });
      }));
      list(_('Nearest'), nearest(_('Operational port'), answer.nearest_operational_port)
        .concat(nearest(_('Open displacement site'), answer.nearest_open_site)));
      list(_('Warnings'), answer.warnings);
      answer.roads_not_open.forEach(function (r) {
        L.geoJSON(r.geometry, { style: { color: ROAD_COLOURS[r.status] || '#555', weight: 6 } })
          .bindTooltip((r.name || r.id) + ': ' + label('roads', r.status)).addTo(drawn);
      });
      answer.incidents.forEach(function (i) {
        L.circleMarker([i.position[1], i.position[0]], { radius: 6, color: '#000', weight: 1, fillColor: colour('--incidents-verified'), fillOpacity: 0.9 })
          .bindTooltip(i.event_date + ' ' + label('event_type', i.event_type)).addTo(drawn);
      });
      answer.routes.forEach(function (f) {
        L.geoJSON(f, { style: { color: VERDICT_COLOURS[f.properties.verdict] || '#000', weight: 4, dashArray: f.properties.kind === 'to_site' ? '6 6' : null } })
          .bindTooltip((f.properties.kind === 'to_port' ? _('To %(name)s', { name: f.properties.name })
            : _('Toward %(name)s', { name: f.properties.name }))).addTo(drawn);
      });
      L.circle(latlng, { radius: answer.radius_m, color: '#000', weight: 1, fill: false, interactive: false }).addTo(drawn);
      L.circleMarker(latlng, { radius: 7, color: '#000', weight: 2, fillColor: '#fff', fillOpacity: 1 }).addTo(drawn);
      if (centre) { map.setView(latlng, Math.max(map.getZoom(), 11)); }  /* typed: show where it is */
      panel.dataset.ready = 'true';
    }
    /* what to send as at= for a place the API offered: a candidate's id (exact), or a suggested name */
    function place(c) {
      if (typeof c === 'string') { return c; }
      if (!c || typeof c !== 'object') { return null; }
      if (c.id) { return c.id; }
      return isFinite(c.lon) && isFinite(c.lat) ? Number(c.lon).toFixed(5) + ',' + Number(c.lat).toFixed(5) : null;
    }
    function candidates(list) {
      if (!Array.isArray(list) || !list.length) { return; }
      var box = el('div', null, 'candidates');
      box.appendChild(el('p', _('Did you mean one of these? Choose one to check it:')));
      list.forEach(function (c) {
        var value = place(c);
        if (!value) { return; }
        var label = typeof c === 'string' ? c : [c.name, (c.kind || '').replace(/_/g, ' '), c.commune, c.department]
          .filter(function (part, i, all) { return part && (i === 0 || part !== all[0]); }).join(', ');
        var button = el('button', label || value);
        button.type = 'button';
        button.addEventListener('click', function () { field.value = value; ask(true); });
        box.appendChild(button);
      });
      panel.appendChild(box);
    }
    /* the page's address names the point checked (the view stays in the fragment), so it can be shared */
    function remember(text) {
      var query = '?at=' + encodeURIComponent(text) + (radius.value ? '&radius_m=' + encodeURIComponent(radius.value) : '');
      window.history.replaceState(window.history.state, '', window.location.pathname + query + window.location.hash);
    }
    function ask(centre) {
      var text = field.value.trim();
      if (!text) { return; }  /* lon,lat or a place name: the answer says where it is */
      var url = window.haApi(form.dataset.api + '?at=' + encodeURIComponent(text) +
        (radius.value ? '&radius_m=' + encodeURIComponent(radius.value) : ''));
      panel.dataset.ready = 'false';
      panel.textContent = _('Checking\u2026');
      fetch(url, { headers: { Accept: 'application/json' } }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) {
          var error = result.body && result.body.error ? result.body.error : {};
          panel.textContent = '';
          panel.appendChild(el('p', error.message || _('The check failed.'), 'error-message'));
          candidates(error.candidates || error.suggestions);
          drawn.clearLayers();
          panel.dataset.ready = 'error';
          return;
        }
        show(result.body, L.latLng(result.body.at[1], result.body.at[0]), centre);
        remember(text);
      }).catch(function () {
        panel.textContent = _('The check failed: the server did not answer.');
        panel.dataset.ready = 'error';
      });
    }
    map.on('click', function (event) {
      field.value = event.latlng.lng.toFixed(5) + ',' + event.latlng.lat.toFixed(5);
      ask();
    });
    form.addEventListener('submit', function (event) { event.preventDefault(); ask(true); });
    if (field.value) { ask(!haView.linked); }  /* a shared link keeps its own view */
    window.haMap = map;
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
