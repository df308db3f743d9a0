// Progressive enhancement for the dashboard; every page works without it.

// Destructive forms ask first.
document.querySelectorAll('form[data-confirm]').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    if (!window.confirm(form.getAttribute('data-confirm'))) event.preventDefault();
  });
});

// The branding preview follows the form as it is edited (CSSOM and textContent only: nothing is
// parsed as markup, and nothing is fetched).
(function () {
  var form = document.getElementById('branding-form');
  var preview = document.getElementById('portal-preview');
  if (!form || !preview) return;
  var hex = /^#[0-9a-fA-F]{6}$/;
  function colour(input, property) {
    if (input && hex.test(input.value)) preview.style.setProperty(property, input.value);
  }
  function text(input, target, container) {
    if (!input || !target) return;
    target.textContent = input.value.trim();
    (container || target).hidden = input.value.trim() === '';
  }
  form.addEventListener('input', function () {
    colour(form.elements.namedItem('primaryColor'), '--brand');
    colour(form.elements.namedItem('accentColor'), '--accent');
    text(form.elements.namedItem('footerText'), document.getElementById('preview-footer-text'));
    text(form.elements.namedItem('supportEmail'), document.getElementById('preview-support-email'), document.getElementById('preview-support'));
  });
})();
