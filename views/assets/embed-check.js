// Embed links only: inside an iframe, check that this frame may keep a (partitioned) cookie before
// the link is exchanged. If not, the session cookie would never stick, so the form is swapped for
// "Open billing in a new tab" with the same, still unspent, link.
(function () {
  'use strict';
  if (window.self === window.top) return;
  var probe = '__Host-portal_probe';
  var works;
  try {
    document.cookie = probe + '=1; Path=/; Secure; SameSite=None; Partitioned';
    works = document.cookie.indexOf(probe + '=1') !== -1;
    document.cookie = probe + '=; Path=/; Secure; SameSite=None; Partitioned; Max-Age=0';
  } catch (e) {
    works = false;
  }
  if (works) return;
  var form = document.getElementById('continue-form');
  var blocked = document.getElementById('embed-blocked');
  if (form) form.hidden = true;
  if (blocked) blocked.hidden = false;
})();
