// "Pay with wallet": asks an injected EIP-1193 wallet to send exactly the invoice's remaining
// amount. Every value comes from the data-* attributes the server rendered; amounts stay
// integers (BigInt) from the decimal string of base units to the hex the wallet receives.
(function () {
  var box = document.getElementById('wallet-pay');
  var button = document.getElementById('wallet-pay-button');
  var status = document.getElementById('wallet-pay-status');
  if (!box || !button || !status) return;

  var data = {
    chainIdHex: box.getAttribute('data-chain-id-hex'),
    chainName: box.getAttribute('data-chain-name'),
    token: box.getAttribute('data-token'),
    payTo: box.getAttribute('data-pay-to'),
    amount: box.getAttribute('data-amount'),
  };
  var ADDRESS = /^0x[0-9a-fA-F]{40}$/;

  function say(text, hash) {
    status.textContent = text;
    if (hash) {
      status.appendChild(document.createElement('br'));
      var code = document.createElement('code');
      code.textContent = hash;
      status.appendChild(code);
    }
  }

  function word(hexDigits) {
    return hexDigits.padStart(64, '0');
  }

  // ERC-20 transfer(address,uint256): selector a9059cbb, then the address and the amount, each a
  // 32-byte big-endian word.
  function transferCalldata(to, amount) {
    return '0xa9059cbb' + word(to.slice(2).toLowerCase()) + word(amount.toString(16));
  }

  function transaction(from) {
    var amount = BigInt(data.amount);
    if (data.token === 'native') return { from: from, to: data.payTo, value: '0x' + amount.toString(16) };
    return { from: from, to: data.token, value: '0x0', data: transferCalldata(data.payTo, amount) };
  }

  async function ensureChain(ethereum) {
    var current = await ethereum.request({ method: 'eth_chainId' });
    if (typeof current === 'string' && parseInt(current, 16) === parseInt(data.chainIdHex, 16)) return;
    say('Switch your wallet to ' + data.chainName + '…');
    try {
      await ethereum.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: data.chainIdHex }] });
    } catch (err) {
      if (err && err.code === 4902) throw new Error('Your wallet does not know ' + data.chainName + ' (chain id ' + parseInt(data.chainIdHex, 16) + '). Add that network to your wallet, then try again.', { cause: err });
      throw err;
    }
  }

  async function pay() {
    var ethereum = window.ethereum;
    if (!ethereum || typeof ethereum.request !== 'function') {
      say('No browser wallet was found on this page. Pay manually instead: send exactly the amount below to the address below on ' + data.chainName + ', from any wallet or exchange.');
      var amountField = document.getElementById('pay-amount');
      if (amountField) amountField.focus();
      return;
    }
    if (!/^[0-9]+$/.test(data.amount || '') || !ADDRESS.test(data.payTo || '') || (data.token !== 'native' && !ADDRESS.test(data.token || ''))) {
      say('This payment request looks wrong; reload the page, or pay manually with the details below.');
      return;
    }
    button.disabled = true;
    try {
      say('Connect your wallet…');
      var accounts = await ethereum.request({ method: 'eth_requestAccounts' });
      if (!accounts || !accounts.length) throw new Error('The wallet shared no account.');
      await ensureChain(ethereum);
      say('Confirm the payment in your wallet…');
      var hash = await ethereum.request({ method: 'eth_sendTransaction', params: [transaction(accounts[0])] });
      say('Payment sent. Waiting for the chain: this page shows it under "Transfers for this invoice" once it is seen. Transaction:', hash);
    } catch (err) {
      var rejected = err && err.code === 4001;
      say(rejected ? 'The payment was cancelled in the wallet. Nothing was sent.' : 'The wallet could not send the payment: ' + ((err && err.message) || 'unknown error') + '. You can also pay manually with the details below.');
    } finally {
      button.disabled = false;
    }
  }

  button.addEventListener('click', function () {
    void pay();
  });
})();
