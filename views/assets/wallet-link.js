// Wallet linking (views/portal/wallets.hbs). Loaded as an external, nonce'd script (strict CSP).
//
// The signed message must reach the server byte for byte. A plain HTML form submission rewrites
// every line break to CRLF, so the verify form is sent with fetch and URLSearchParams instead,
// carrying the message text exactly as the server rendered it.
(function () {
  'use strict';

  var ethereum = window.ethereum;

  function status(text) {
    var el = document.getElementById('wallet-status');
    if (el) el.textContent = text;
  }

  function toHex(text) {
    var bytes = new TextEncoder().encode(text);
    var out = '0x';
    for (var i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0');
    return out;
  }

  // Step 1: fill the address (and network) from the browser wallet, then ask for a message.
  var connect = document.getElementById('wallet-connect');
  var challengeForm = document.getElementById('wallet-challenge-form');
  if (connect && challengeForm && ethereum) {
    connect.hidden = false;
    connect.addEventListener('click', function () {
      status('Waiting for your wallet…');
      ethereum
        .request({ method: 'eth_requestAccounts' })
        .then(function (accounts) {
          if (!accounts || !accounts[0]) throw new Error('no account');
          document.getElementById('wallet-address').value = accounts[0];
          return ethereum.request({ method: 'eth_chainId' }).catch(function () {
            return null;
          });
        })
        .then(function (chainIdHex) {
          var select = document.getElementById('wallet-chain');
          if (select && chainIdHex) {
            var id = String(parseInt(chainIdHex, 16));
            for (var i = 0; i < select.options.length; i++) if (select.options[i].value === id) select.value = id;
          }
          if (challengeForm.requestSubmit) challengeForm.requestSubmit();
          else challengeForm.submit();
        })
        .catch(function () {
          status('The wallet did not share an address. You can type it in instead.');
        });
    });
  }

  // Step 2: sign the exact message, then send it back with the signature.
  var messageEl = document.getElementById('siwe-message');
  var verifyForm = document.getElementById('wallet-verify-form');
  if (!messageEl || !verifyForm) return;
  var message = messageEl.textContent;
  verifyForm.hidden = false;

  function send() {
    var body = new URLSearchParams();
    var fields = verifyForm.elements;
    body.set('_csrf', fields.namedItem('_csrf').value);
    body.set('challengeId', fields.namedItem('challengeId').value);
    body.set('message', message);
    body.set('signature', fields.namedItem('signature').value.trim());
    status('Verifying…');
    fetch(verifyForm.action, { method: 'POST', body: body, credentials: 'same-origin', redirect: 'follow' })
      .then(function (res) {
        if (res.ok && res.redirected) {
          window.location.assign(res.url);
          return;
        }
        return res.text().then(function (html) {
          // Show the server's error page in place (same stylesheet, no scripts).
          var doc = new DOMParser().parseFromString(html, 'text/html');
          document.title = doc.title;
          document.body.replaceWith(document.adoptNode(doc.body));
        });
      })
      .catch(function () {
        status('The request failed. Check your connection and try again.');
      });
  }

  verifyForm.addEventListener('submit', function (event) {
    event.preventDefault();
    send();
  });

  var signRow = document.getElementById('wallet-sign-row');
  var sign = document.getElementById('wallet-sign');
  if (sign && signRow && ethereum) {
    signRow.hidden = false;
    sign.addEventListener('click', function () {
      var address = sign.getAttribute('data-address');
      status('Confirm the signature request in your wallet…');
      ethereum
        .request({ method: 'eth_requestAccounts' })
        .then(function () {
          return ethereum.request({ method: 'personal_sign', params: [toHex(message), address] });
        })
        .then(function (signature) {
          document.getElementById('wallet-signature').value = signature;
          send();
        })
        .catch(function () {
          status('The wallet did not sign. Make sure ' + address + ' is the selected account, or sign elsewhere and paste the signature below.');
        });
    });
  }
})();
