// Proof of control of a receiving address (views/dashboard/settings.hbs): signs the message the
// server issued with the browser wallet (EIP-191 personal_sign), then saves the addresses form with
// the signature. Without a wallet or without JavaScript, the signature is pasted by hand instead.
(function () {
  'use strict';

  var ethereum = window.ethereum;
  var form = document.getElementById('addresses-form');
  if (!form || !ethereum || typeof ethereum.request !== 'function') return;

  function toHex(text) {
    var bytes = new TextEncoder().encode(text);
    var out = '0x';
    for (var i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0');
    return out;
  }

  document.querySelectorAll('.address-proof').forEach(function (box) {
    var chain = box.getAttribute('data-chain');
    var address = box.getAttribute('data-address');
    var button = document.getElementById('proof-sign-' + chain);
    var message = document.getElementById('proof-message-' + chain);
    var signature = document.getElementById('signature_' + chain);
    var status = document.getElementById('proof-status-' + chain);
    if (!button || !message || !signature || !address) return;
    button.hidden = false;
    button.addEventListener('click', function () {
      status.textContent = 'Confirm the signature request in your wallet…';
      ethereum
        .request({ method: 'eth_requestAccounts' })
        .then(function (accounts) {
          var chosen = (accounts || []).filter(function (a) {
            return typeof a === 'string' && a.toLowerCase() === address.toLowerCase();
          })[0];
          if (!chosen) throw new Error('wrong account');
          // The text node holds the message exactly as issued (the page escapes it, the DOM decodes it).
          return ethereum.request({ method: 'personal_sign', params: [toHex(message.textContent), chosen] });
        })
        .then(function (signed) {
          signature.value = signed;
          status.textContent = 'Signed. Saving…';
          if (form.requestSubmit) form.requestSubmit();
          else form.submit();
        })
        .catch(function (err) {
          status.textContent =
            err && err.message === 'wrong account'
              ? 'Select the account ' + address + ' in your wallet, then try again.'
              : 'The wallet did not sign. Sign the message above elsewhere and paste the signature below.';
        });
    });
  });
})();
