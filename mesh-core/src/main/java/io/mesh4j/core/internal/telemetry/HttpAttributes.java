package io.mesh4j.core.internal.telemetry;

import io.opentelemetry.api.common.AttributeKey;

/**
 * The OpenTelemetry semantic conventions for HTTP spans that the mesh's spans carry (stable HTTP conventions,
 * semconv 1.2x and later), plus the mesh's own. Named here rather than taken from the semconv artifact, which is
 * not part of the OpenTelemetry BOM.
 */
public final class HttpAttributes {

    public static final AttributeKey<String> HTTP_REQUEST_METHOD = AttributeKey.stringKey("http.request.method");
    public static final AttributeKey<Long> HTTP_RESPONSE_STATUS_CODE =
            AttributeKey.longKey("http.response.status_code");
    public static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    public static final AttributeKey<Long> HTTP_REQUEST_RESEND_COUNT =
            AttributeKey.longKey("http.request.resend_count");
    public static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    public static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    public static final AttributeKey<String> URL_TEMPLATE = AttributeKey.stringKey("url.template");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    public static final AttributeKey<String> NETWORK_PROTOCOL_VERSION =
            AttributeKey.stringKey("network.protocol.version");
    public static final AttributeKey<String> USER_AGENT_ORIGINAL = AttributeKey.stringKey("user_agent.original");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<String> PEER_SERVICE = AttributeKey.stringKey("peer.service");

    /** The mesh's judgement of the outcome: success, failure or retryable_failure. */
    public static final AttributeKey<String> MESH_OUTCOME = AttributeKey.stringKey("mesh.outcome");
    /** The registry's id of the instance that served an attempt. */
    public static final AttributeKey<String> MESH_INSTANCE = AttributeKey.stringKey("mesh.instance");
    /** The number of an attempt, 1 for the first. */
    public static final AttributeKey<Long> MESH_ATTEMPT = AttributeKey.longKey("mesh.attempt");

    private HttpAttributes() {}
}
