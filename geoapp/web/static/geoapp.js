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
  });
})();
/* the panel's fold button (no inline handlers: the pages run under a strict CSP) */
(function () {
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('.panel .toggle') : null;
    if (button) { document.getElementById('panel').classList.toggle('closed'); }
  });
})();
