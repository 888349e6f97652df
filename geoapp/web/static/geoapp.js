/* haiti-access map pages: on narrow screens start with the panel and legend folded away. */
(function () {
  function fold() {
    if (window.innerWidth >= 600) { return; }
    var panel = document.getElementById('panel');
    if (panel) { panel.classList.add('closed'); }
    var legend = document.getElementById('legend');
    if (legend && legend.tagName === 'DETAILS') { legend.open = false; }
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', fold); } else { fold(); }
})();
/* the view form: tick boxes become one layers=a,b parameter, an empty date is left out */
(function () {
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.id !== 'view-form') { return; }
    var chosen = Array.prototype.map.call(form.querySelectorAll('input[name=layer]:checked'), function (box) {
      return box.value;
    });
    form.querySelector('input[name=layers]').value = chosen.join(',');
    Array.prototype.forEach.call(form.querySelectorAll('input[name=layer]'), function (box) { box.disabled = true; });
    var day = form.querySelector('input[name=as_of]');
    if (!day.value) { day.disabled = true; }
    /* the new view keeps the map where it is (a GET form keeps its action's fragment) */
    form.setAttribute('action', form.getAttribute('action').split('#')[0] + window.location.hash);
  });
})();
/* the panel's fold button (no inline handlers: the pages run under a strict CSP) */
(function () {
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('.panel .toggle') : null;
    if (button) { document.getElementById('panel').classList.toggle('closed'); }
  });
})();
/* helpers for the map pages' scripts: DOM built with textContent only (names come from editors and imports) */
(function () {
  var data;
  window.ha = {
    /* an element with attributes and children (strings become text nodes, never HTML) */
    el: function (tag, attrs, children) {
      var node = document.createElement(tag);
      Object.keys(attrs || {}).forEach(function (key) {
        if (key === 'text') { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
      });
      (children || []).forEach(function (child) {
        if (child === null || child === undefined) { return; }
        node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
      });
      return node;
    },
    /* the page's settings for its scripts (a JSON block, not a script) */
    data: function () {
      if (data === undefined) {
        var node = document.getElementById('ha-map-data');
        data = node ? JSON.parse(node.textContent) : null;
      }
      return data;
    },
    getJSON: function (url) {
      return fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) { throw new Error(url + ' answered ' + r.status); }
        return r.json();
      });
    },
    number: function (value, digits) {
      if (value === null || value === undefined) { return '-'; }
      // in the page's language; Creole numbers are written as in French (browsers carry no Creole locale data)
      var locale = { fr: 'fr-FR', ht: 'fr-FR' }[document.documentElement.lang] || 'en-US';
      return Number(value).toLocaleString(locale, { maximumFractionDigits: digits || 0 });
    },
    /* GeoJSON features from a table of them (maps/layers.py page_table): ids, geometries, and each field's
       values in the features' order, or its distinct values and each feature's index into them */
    features: function (table) {
      var fields = Object.keys(table.fields);
      return table.ids.map(function (id, i) {
        var properties = {};
        fields.forEach(function (field) {
          var column = table.fields[field];
          var value = Array.isArray(column) ? column[i] : column.values[column.index[i]];
          if (value !== null) { properties[field] = value; }
        });
        return { type: 'Feature', id: id, geometry: table.geometries[i], properties: properties };
      });
    },
    /* a layer of the map's features as the server describes it (maps/layers.py FeatureLayer): cfg.styles, each
       feature's index into them (cfg.style, in the features' order; none when they share one), circle markers
       for points, a tooltip of cfg.tooltip's fields, a popup of cfg.fields under cfg.labels (empty ones left
       out) and, with cfg.items, a link to download the feature (cfg.items/ID) */
    featureLayer: function (cfg, table) {
      var ha = window.ha, features = ha.features(table);
      features.forEach(function (f, i) { f.haStyle = cfg.style ? cfg.style[i] : 0; });
      function style(f) { return cfg.styles[f.haStyle || 0]; }
      function shown(v) {
        if (typeof v === 'number') { return ha.number(v, 3); }
        return typeof v === 'object' ? JSON.stringify(v) : String(v);
      }
      function empty(v) { return v === null || v === undefined || v === ''; }
      function popup(layer) {
        var f = layer.feature, p = f.properties;
        var rows = cfg.fields.map(function (field, i) {
          if (empty(p[field])) { return null; }
          return ha.el('tr', {}, [ha.el('th', { text: cfg.labels[i] }), ha.el('td', { text: shown(p[field]) })]);
        });
        if (cfg.items && !empty(f.id)) {
          var link = ha.el('a', { href: cfg.items + '/' + encodeURIComponent(f.id), download: '', text: 'GeoJSON' });
          rows.push(ha.el('tr', {}, [ha.el('th', { text: cfg.download }), ha.el('td', {}, [link])]));
        }
        return ha.el('div', { 'class': 'ha-popup' }, [ha.el('table', {}, rows)]);
      }
      function tooltip(layer) {
        var p = layer.feature.properties;
        return ha.el('div', {}, cfg.tooltip.filter(function (field) { return !empty(p[field]); }).map(function (field) {
          return ha.el('div', { text: shown(p[field]) });
        }));
      }
      var layer = L.geoJSON(null, {
        style: style,
        pointToLayer: cfg.points ? function (f, at) { return L.circleMarker(at, style(f)); } : undefined,
        onEachFeature: function (f, l) {
          l.bindTooltip(tooltip, { sticky: true });
          l.bindPopup(popup, { maxWidth: 320 });
        }
      });
      return layer.addData(features);
    },
    /* run once the map exists (deferred scripts run after the page's own map script) */
    onMap: function (fn) {
      function go() { if (window.haMap) { fn(window.haMap); } }
      if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', go); } else { go(); }
    }
  };
})();
/* the map's zoom as classes on its container (ha-z10, ha-z11, ...), so styles can show names from a zoom on */
(function () {
  window.ha.onMap(function (map) {
    function mark() {
      var box = map.getContainer(), zoom = map.getZoom();
      for (var z = 8; z <= 14; z += 1) { box.classList.toggle('ha-z' + z, zoom >= z); }
    }
    map.on('zoomend', mark);
    mark();
  });
})();
/* the route page: fit the route clear of the panel and the legend, whatever the screen (again when the panel folds) */
(function () {
  window.ha.onMap(function (map) {
    var node = document.getElementById('ha-route-bounds');
    if (!node) { return; }
    var bounds = JSON.parse(node.textContent);
    function fit() {
      var box = map.getContainer().getBoundingClientRect();
      var left = 30, right = 30, top = 30, bottom = 30;
      [document.getElementById('panel'), document.getElementById('legend')].forEach(function (el) {
        if (!el) { return; }
        var r = el.getBoundingClientRect();
        if (r.width === 0) { return; }
        var covers = { left: r.right - box.left, right: box.right - r.left, top: r.bottom - box.top,
                       bottom: box.bottom - r.top };
        /* keep clear along the side where the element takes the least room */
        var side = Object.keys(covers).reduce(function (a, b) { return covers[a] <= covers[b] ? a : b; });
        var room = covers[side] + 16;
        if (side === 'left') { left = Math.max(left, room); }
        if (side === 'right') { right = Math.max(right, room); }
        if (side === 'top') { top = Math.max(top, room); }
        if (side === 'bottom') { bottom = Math.max(bottom, room); }
      });
      map.fitBounds(bounds, { paddingTopLeft: [left, top], paddingBottomRight: [right, bottom] });
    }
    if (!(window.haView && window.haView.linked)) { fit(); }  /* a shared link keeps its own view */
    document.addEventListener('click', function (event) {
      if (event.target.closest && event.target.closest('.panel .toggle')) { setTimeout(fit, 0); }
    });
    window.haFitRoute = fit;
  });
})();
/* printing: the brief says when it was printed, how old its data is and its own address; folded parts print
   open and the map is fitted again in its printed frame (to the route, or to the sites and their hub) */
(function () {
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function stamp() {
    var now = new Date();
    var printed = document.getElementById('print-date');
    if (printed) {
      printed.textContent = now.getFullYear() + '-' + pad(now.getMonth() + 1) + '-' + pad(now.getDate()) + ' ' +
        pad(now.getHours()) + ':' + pad(now.getMinutes());
    }
    var address = document.getElementById('page-url');
    /* without the screen's view (#map=...): the printed map is fitted anew, and a shorter address is easier to type */
    if (address) { address.textContent = window.location.href.split('#')[0]; }
    var asOf = document.querySelector('.data-as-of[data-as-of]'), age = document.getElementById('data-age');
    var day = asOf && Date.parse(asOf.getAttribute('data-as-of'));
    if (age && day) {
      var days = Math.floor((Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) - day) / 86400000);
      var _ = window.haT || function (text, params) {  /* i18n.js loads after this script */
        return text.replace(/%\((\w+)\)s/g, function (whole, key) { return String(params[key]); });
      };
      age.textContent = ' ' + (days === 1 ? _('(1 day before printing)')
        : _('(%(days)s days before printing)', { days: days }));
    }
    Array.prototype.forEach.call(document.querySelectorAll('.panel-body a[href]'), function (a) {
      a.setAttribute('data-href', a.href);
    });
  }
  function printBounds(map) {
    var node = document.getElementById('ha-route-bounds');
    if (node) { return L.latLngBounds(JSON.parse(node.textContent)); }
    var sites = window.haLayers && window.haLayers['Sites by access'];
    return sites && sites.getLayers().length ? sites.getBounds() : null;
  }
  function refit() {
    var map = window.haMap;
    if (!map) { return; }
    map.invalidateSize({ animate: false, pan: false });
    var bounds = printBounds(map);
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, { padding: [16, 16], animate: false }); }
  }
  var opened = [];
  function before() {
    stamp();
    Array.prototype.forEach.call(document.querySelectorAll('details:not([open])'), function (d) {
      d.open = true;
      opened.push(d);
    });
    refit();
  }
  function screenView() {
    if (window.haMap) { window.haMap.invalidateSize({ animate: false }); }
    if (window.haFitRoute) { window.haFitRoute(); }
  }
  function after() {
    opened.splice(0).forEach(function (d) { d.open = false; });
    screenView();
  }
  window.addEventListener('beforeprint', before);
  window.addEventListener('afterprint', after);
  /* the printed layout exists only once the print media applies: fit the map then */
  var media = window.matchMedia ? window.matchMedia('print') : null;
  if (media && media.addEventListener) {
    media.addEventListener('change', function (event) { if (event.matches) { refit(); } else { screenView(); } });
  }
  document.addEventListener('click', function (event) {
    if (event.target.closest && event.target.closest('[data-print]')) { window.print(); }
  });
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', stamp); } else { stamp(); }
})();
