/* Shared links keep the map's view: the address carries #map=ZOOM/LAT/LON, updated as the map moves, restored on load. */
(function () {
  var PATTERN = /(?:^#|&)map=(\d{1,2})\/(-?\d{1,2}(?:\.\d+)?)\/(-?\d{1,3}(?:\.\d+)?)(?:&|$)/;

  /* the view the address names, or null (absent or out of range) */
  function linked() {
    var m = PATTERN.exec(window.location.hash);
    if (!m) { return null; }
    var zoom = parseInt(m[1], 10), lat = parseFloat(m[2]), lon = parseFloat(m[3]);
    if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) { return null; }
    return { zoom: zoom, lat: lat, lon: lon };
  }

  /* the address of the current view: the page's own address and query, the view as the fragment */
  function write(map) {
    var centre = map.getCenter(), zoom = map.getZoom();
    var digits = Math.max(2, Math.ceil(Math.log(Math.pow(2, zoom)) / Math.LN10));  /* about a pixel */
    var hash = '#map=' + zoom + '/' + centre.lat.toFixed(digits) + '/' + centre.lng.toFixed(digits);
    if (window.location.hash !== hash) {
      window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search + hash);
    }
  }

  /* restore the linked view on ``map`` (true when there was one) and keep the address up to date from now on */
  function follow(map) {
    if (map._haFollowed) { return false; }
    map._haFollowed = true;
    var view = linked();
    if (view) {
      var restore = function () {
        var zoom = Math.min(Math.max(view.zoom, map.getMinZoom()), map.getMaxZoom());
        map.setView([view.lat, view.lon], zoom, { animate: false });
      };
      /* a zoom the page started (a fit to its content) would end on its own zoom: restore after it */
      if (map._animatingZoom) { map.once('zoomend', restore); } else { restore(); }
    }
    map.on('moveend', function () { write(map); });
    return view !== null;
  }

  window.haView = { linked: linked(), follow: follow, write: write };
  /* map pages built on the server have their map already: follow it (page scripts call follow themselves) */
  if (window.haMap) { follow(window.haMap); }
})();
