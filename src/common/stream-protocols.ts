/**
 * The names of the Kubernetes streaming protocols (apimachinery: util/remotecommand and
 * util/portforward constants; kubelet: cri/streaming), defined once for both sides of them: the
 * agent that serves /exec, /attach and /portForward, the CRI client that speaks them to a
 * runtime's streaming server, and the API server that tunnels them.
 */

/** remote-command over SPDY or WebSocket, newest first (apimachinery: StreamProtocolV5Name ... V1Name). */
export const STREAM_PROTOCOL_V5 = "v5.channel.k8s.io";
export const STREAM_PROTOCOL_V4 = "v4.channel.k8s.io";
export const STREAM_PROTOCOL_V3 = "v3.channel.k8s.io";
export const STREAM_PROTOCOL_V2 = "v2.channel.k8s.io";
export const STREAM_PROTOCOL_V1 = "channel.k8s.io";

/** The port-forward WebSocket protocols (kubelet: v4BinaryWebsocketProtocol, v4Base64WebsocketProtocol). */
export const PORT_FORWARD_WS_PROTOCOL_V4 = "v4.channel.k8s.io";
export const PORT_FORWARD_WS_PROTOCOL_V4_BASE64 = "v4.base64.channel.k8s.io";

/** SPDY tunnelled in WebSocket binary messages (apimachinery: WebsocketsSPDYTunnelingPrefix). */
export const SPDY_TUNNELING_PREFIX = "SPDY/3.1+";
/** The suffix of every Kubernetes streaming protocol (apimachinery: KubernetesSuffix). */
export const KUBERNETES_PROTOCOL_SUFFIX = ".k8s.io";
