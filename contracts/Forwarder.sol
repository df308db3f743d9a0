// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// Passes the native value it receives on to `to` in an internal call, the way a smart wallet,
/// router or exchange batch payout does. Such a transfer shows up in traces only, not as a
/// top-level transaction to the recipient.
contract Forwarder {
    error ForwardFailed();

    function forward(address payable to) external payable {
        (bool ok, ) = to.call{value: msg.value}("");
        if (!ok) revert ForwardFailed();
    }
}
