/* OGC API pages: draw the page's features (a GeoJSON block) on a small map over Haiti's outline. */
(function () {
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function start() {
    var features = data('ogc-features');
    var node = document.getElementById('ogc-map');
    if (!node || !features || typeof L === 'undefined') { return; }
    var map = L.map(node, { preferCanvas: true, maxZoom: 17 }).setView([18.9, -72.7], 7);
    var outline = data('ogc-outline');
    if (outline) {
      L.geoJSON(outline, { interactive: false,
        style: { color: '#8a8a8a', weight: 1, fillColor: '#fbfaf5', fillOpacity: 1 } }).addTo(map);
    }
    var drawn = L.geoJSON(features, {
      style: { color: '#0072b2', weight: 3, fillOpacity: 0.25 },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 6, color: '#0072b2', weight: 2, fillOpacity: 0.6 });
      },
      onEachFeature: function (feature, layer) {
        var name = (feature.properties && feature.properties.name) || feature.id;
        if (name) { layer.bindTooltip(String(name)); }
      }
    }).addTo(map);
    var bounds = drawn.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 11, padding: [12, 12] }); }
    node.setAttribute('data-drawn', String(drawn.getLayers().length));
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
}());
