/* The page's sentences in its language: haT(text, params) and haLabel(vocabulary, code), read from the
   JSON block #i18n the server writes ({messages: {English: translated}, labels: {vocabulary: {code: label}}}). */
(function () {
  var table = null;
  function load() {
    if (table === null) {
      var node = document.getElementById('i18n');
      table = node ? JSON.parse(node.textContent) : {};
    }
    return table;
  }
  window.haT = function (text, params) {
    var s = (load().messages || {})[text] || text;
    if (!params) { return s; }
    return s.replace(/%\((\w+)\)s/g, function (whole, key) { return key in params ? String(params[key]) : whole; });
  };
  /* an API address with the page's language, so answers speak it whatever the browser asks (an English
     page the browser's own language chose needs nothing: the API hears the same Accept-Language) */
  window.haApi = function (url) {
    var lang = document.documentElement.lang || 'en';
    if (lang === 'en' && !/[?&]lang=/.test(window.location.search)) { return url; }
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'lang=' + encodeURIComponent(lang);
  };
  window.haLabel = function (vocabulary, code) {
    var labels = (load().labels || {})[vocabulary] || {};
    return labels[code] || String(code).replace(/_/g, ' ');
  };
})();
