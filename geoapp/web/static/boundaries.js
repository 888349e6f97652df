/* Official boundaries on map pages: fetched when first shown, drawn under the data, named as you zoom in.
   Each boundary layer arrives empty (options.haReference says which TopoJSON topology holds it: layers
   shown together share one, fetched once); clicks on a commune or section open its popup, department
   outlines let clicks through to the commune under them. */
(function () {
  'use strict';
  var _ = window.haT;
  var ORDER = ['departments', 'sections', 'communes'];  // brought to the back in turn: communes end lowest
  var entries = {};
  var topologies = {};  // url: the promise of its topology, fetched once for every layer in it
  window.haBoundaries = { layers: entries, popups: {}, restack: restack, features: features };

  function start(map) {
    Object.keys(window.haLayers || {}).forEach(function (title) {
      var layer = window.haLayers[title];
      var ref = layer && layer.options && layer.options.haReference;
      if (!ref) { return; }
      var entry = { name: ref.name, title: title, ref: ref, layer: layer, labels: L.layerGroup(), items: [],
                    state: 'empty' };
      entries[ref.name] = entry;
      layer.options.onEachFeature = function (feature, path) { prepare(entry, feature, path); };
      layer.on('add', function () { load(entry); restack(); sync(); });
      layer.on('remove', sync);
      if (map.hasLayer(layer)) { load(entry); }
    });
    map.on('zoomend moveend', sync);
  }

  function load(entry) {
    if (entry.state !== 'empty') { return; }
    entry.state = 'loading';
    var topology = topologies[entry.ref.url] || (topologies[entry.ref.url] = window.ha.getJSON(entry.ref.url));
    topology.then(function (topo) {
      entry.layer.addData(features(topo, entry.name));
      entry.state = 'loaded';
      restack();
      sync();
      entry.layer.fire('haloaded');
    }).catch(function (error) {
      entry.state = 'empty';  // a later toggle tries again
      delete topologies[entry.ref.url];
      console.warn('boundaries: ' + entry.name + ' not loaded: ' + error.message);
    });
  }

  /* one object of a TopoJSON topology as GeoJSON features: arcs are delta-encoded steps of a grid
     (transform), a ring lists its arcs in turn, ~i for arc i walked backwards */
  function features(topo, name) {
    var t = topo.transform;
    var arcs = topo.decoded || (topo.decoded = topo.arcs.map(function (arc) {
      var x = 0, y = 0;
      return arc.map(function (step) {
        x += step[0]; y += step[1];
        return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]];
      });
    }));
    function ring(indexes) {
      var out = [];
      indexes.forEach(function (i) {
        var points = i >= 0 ? arcs[i] : arcs[~i].slice().reverse();
        Array.prototype.push.apply(out, out.length ? points.slice(1) : points);
      });
      return out;
    }
    var object = topo.objects[name] || { geometries: [] };
    return { type: 'FeatureCollection', features: object.geometries.map(function (g) {
      var coordinates = g.type === 'Polygon' ? g.arcs.map(ring)
        : g.type === 'MultiPolygon' ? g.arcs.map(function (polygon) { return polygon.map(ring); }) : null;
      return { type: 'Feature', id: g.id, properties: g.properties || {},
               geometry: coordinates && { type: g.type, coordinates: coordinates } };
    }) };
  }

  function prepare(entry, feature, path) {
    var p = feature.properties;
    entry.items.push({ path: path, label: p.label, name: p.name, tooltip: null });
    if (!entry.ref || !path.options.interactive) { return; }
    // scrolls rather than grows past the map when figures, chart and sites arrive
    var tall = Math.max(220, window.haMap.getSize().y - 140);
    path.bindPopup(document.createElement('div'), { maxWidth: 340, minWidth: 220, maxHeight: tall });
    path.on('popupopen', function (event) { event.popup.setContent(popup(entry, feature, path)); });
  }

  /* name, p-code, parents and 2019 population, then whatever other scripts add (figures), then the attribution */
  function popup(entry, feature, path) {
    var ha = window.ha, p = feature.properties;
    var kind = { departments: _('department'), communes: _('commune'), sections: _('communal section') }[entry.name];
    var rows = [[_('p-code'), p.id]];
    if (p.adm2_name) { rows.push([_('commune'), p.adm2_name]); }
    if (p.adm1_name) { rows.push([_('department'), p.adm1_name]); }
    rows.push([_('population (2019)'), ha.number(p.population)]);
    var node = ha.el('div', { 'class': 'ha-popup ' + entry.name }, [
      ha.el('strong', { text: p.name }), ' ', ha.el('span', { 'class': 'kind', text: kind }),
      ha.el('table', {}, rows.map(function (r) {
        return ha.el('tr', {}, [ha.el('td', { text: r[0] }), ha.el('td', { text: String(r[1]) })]);
      }))
    ]);
    (window.haBoundaries.popups[entry.name] || []).forEach(function (add) { add(p, node, path); });
    node.appendChild(ha.el('p', { 'class': 'attribution', text: entry.layer.options.attribution || '' }));
    return node;
  }

  /* boundaries stay under the data (and above the land outline), communes lowest: they take the clicks
     only where nothing else is */
  function restack() {
    ORDER.forEach(function (name) {
      var entry = entries[name];
      if (entry && window.haMap.hasLayer(entry.layer)) { entry.layer.bringToBack(); }
    });
    var land = window.haParts && window.haParts.outline;
    if (land && window.haMap.hasLayer(land)) { land.bringToBack(); }
  }

  /* names from each layer's zoom on, for shapes in view and wide enough on screen to carry one */
  function sync() {
    var map = window.haMap, zoom = map.getZoom(), view = map.getBounds().pad(0.1);
    Object.keys(entries).forEach(function (name) {
      var entry = entries[name];
      var shown = map.hasLayer(entry.layer) && entry.state === 'loaded' && zoom >= entry.ref.labelZoom;
      entry.labels.clearLayers();
      if (!shown) { map.removeLayer(entry.labels); return; }
      entry.items.forEach(function (item) {
        if (!item.label) { return; }
        var at = L.latLng(item.label[1], item.label[0]);
        if (!view.contains(at) || width(map, item.path) < 40) { return; }
        if (!item.tooltip) {
          item.tooltip = L.tooltip({ permanent: true, direction: 'center', interactive: false, opacity: 1,
                                     className: 'boundary-label ' + name })
            .setLatLng(at).setContent(window.ha.el('span', { text: item.name }));
        }
        entry.labels.addLayer(item.tooltip);
      });
      if (!map.hasLayer(entry.labels)) { entry.labels.addTo(map); }
    });
  }

  function width(map, path) {
    var b = path.getBounds();
    return map.latLngToLayerPoint(b.getNorthEast()).x - map.latLngToLayerPoint(b.getSouthWest()).x;
  }

  window.ha.onMap(start);
})();
