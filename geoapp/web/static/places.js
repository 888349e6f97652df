/* Place names in forms: a text box marked data-places suggests places from /api/places (a datalist) as one
   types (choosing one fires a 'place' event with its lon/lat); a select marked data-fills copies its choice
   into the text box it names. */
(function () {
  var COORDINATES = /^[\s\d.,;+\-eE]*$/;
  function label(vocabulary, code) {  /* the page's language when i18n.js is on the page */
    return window.haLabel ? window.haLabel(vocabulary, code) : String(code).replace(/_/g, ' ');
  }

  function describe(place) {
    var where = [place.commune, place.department].filter(function (part, i, parts) {
      return part && part !== place.name && parts.indexOf(part) === i;
    });
    return place.name + (place.matched ? ' (' + place.matched + ')' : '') + ' \u2013 ' +
      label('place_kind', place.kind) + (where.length ? ', ' + where.join(', ') : '');
  }

  function attach(input) {
    var list = document.createElement('datalist');
    list.id = input.id + '-places';
    input.insertAdjacentElement('afterend', list);
    input.setAttribute('list', list.id);
    input.setAttribute('autocomplete', 'off');
    var timer = null;
    var asked = '';
    input.addEventListener('change', function () {  /* a suggestion chosen: say where it is (maps mark it) */
      var chosen = Array.prototype.find.call(list.options, function (o) { return o.value === input.value; });
      if (chosen) {
        var lonlat = chosen.dataset.lonlat.split(',');
        input.dispatchEvent(new CustomEvent('place', { detail: { lon: parseFloat(lonlat[0]), lat: parseFloat(lonlat[1]) } }));
      }
    });
    input.addEventListener('input', function () {
      var query = input.value.trim();
      if (query.length < 2 || COORDINATES.test(query) || query === asked) { return; }
      clearTimeout(timer);
      timer = setTimeout(function () {
        asked = query;
        fetch(input.dataset.places + '?limit=8&q=' + encodeURIComponent(query), { headers: { Accept: 'application/json' } })
          .then(function (response) { return response.ok ? response.json() : null; })
          .then(function (body) {
            if (!body) { return; }
            list.textContent = '';
            body.places.forEach(function (place) {
              var option = document.createElement('option');
              option.value = place.value;  /* what finds exactly this place: its name, or its id when shared */
              option.label = describe(place);
              option.dataset.lonlat = place.lon + ',' + place.lat;
              list.appendChild(option);
            });
            input.dataset.suggested = String(body.places.length);
          })
          .catch(function () { asked = ''; });
      }, 150);
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('input[data-places]'), attach);
    Array.prototype.forEach.call(document.querySelectorAll('select[data-fills]'), function (select) {
      select.addEventListener('change', function () {
        if (select.value) { document.getElementById(select.dataset.fills).value = select.value; }
      });
    });
  }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
