// Real-time needs a WebSocket: aws-amplify's AppSync provider calls the global
// `new WebSocket(url, ['graphql-ws', 'header-…'])` (node_modules/@aws-amplify/api-graphql/
// dist/esm/Providers/AWSWebSocketProvider/index.mjs, `_getNewWebSocket`) and reads
// `WebSocket.OPEN`. Browsers have one; Node 20 does not (a global WebSocket arrived in
// Node 22), so subscriptions and observeQuery would fail with "WebSocket is not defined".
//
// Amplify's answer for Node and test runners is to provide one yourself from the `ws`
// package (maintainers in aws-amplify/amplify-js#9769: "install and make a WebSocket
// implementation available … like https://github.com/websockets/ws"). `ws` implements the
// browser API the provider uses (onopen/onmessage/onerror/onclose, addEventListener,
// send, close, readyState and the static OPEN) and, like browsers since 2023, accepts the
// `http://…/graphql/realtime` URL that ampbase's upper-case `HTTP://` endpoint produces
// (client-protocol.md §1.3), connecting over ws://.
//
// This module is imported before aws-amplify so the global is there on first use. The
// client itself is untouched: only the platform gap is filled.
import WebSocket from 'ws';

if (typeof globalThis.WebSocket === 'undefined') {
  globalThis.WebSocket = WebSocket;
}

export default globalThis.WebSocket;
