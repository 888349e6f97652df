/* Route form: click the map for the start, then the destination; or type or choose named places. */
(function () {
  var _ = window.haT;
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function start() {
    var map = L.map('pick-map', { preferCanvas: true, minZoom: 7, maxZoom: 18 }).setView([18.9, -72.7], 8);
    var outline = data('pick-outline');
    if (outline) {
      L.geoJSON(outline, { interactive: false, style: { color: '#8a8a8a', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 } }).addTo(map);
    }
    var css = getComputedStyle(document.documentElement);
    var colour = function (name) { return css.getPropertyValue(name).trim(); };  /* from /theme.css */
    var colours = { open: colour('--roads-open'), dangerous: colour('--roads-dangerous'),
      blocked: colour('--roads-blocked'), closed: colour('--roads-closed') };
    var roads = data('pick-roads');
    if (roads) {
      L.geoJSON(roads, { interactive: false, style: function (f) {
        return { color: colours[f.properties.status] || '#555', weight: 2, opacity: 0.8 };
      } }).addTo(map);
    }
    haView.follow(map);  /* a shared link's view, kept in the address */
    var markers = {};
    function put(which, latlng, named) {
      var field = document.getElementById(which);
      if (!named) { field.value = latlng.lng.toFixed(5) + ',' + latlng.lat.toFixed(5); }
      if (markers[which]) { map.removeLayer(markers[which]); }
      markers[which] = L.circleMarker(latlng, { radius: 8, color: '#000', weight: 2, fillOpacity: 1,
        fillColor: which === 'from' ? colour('--palette-green') : colour('--palette-purple') }).bindTooltip(which === 'from' ? _('Start') : _('Destination')).addTo(map);
    }
    map.on('click', function (event) {
      put(document.getElementById('from').value ? 'to' : 'from', event.latlng);
    });
    Array.prototype.forEach.call(document.querySelectorAll('select[data-target]'), function (select) {
      select.addEventListener('change', function () {
        if (!select.value) { return; }
        var parts = select.value.split(',');
        put(select.dataset.target, L.latLng(parseFloat(parts[1]), parseFloat(parts[0])));
      });
    });
    ['from', 'to'].forEach(function (which) {  /* a place chosen by name keeps its name; the map marks it */
      document.getElementById(which).addEventListener('place', function (event) {
        put(which, L.latLng(event.detail.lat, event.detail.lon), true);
      });
    });
    window.haMap = map;
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
