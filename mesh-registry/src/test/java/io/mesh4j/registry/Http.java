package io.mesh4j.registry;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import com.linecorp.armeria.client.BlockingWebClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.RequestHeaders;

import io.mesh4j.core.internal.registry.ErrorBody;
import io.mesh4j.core.internal.registry.InstancesSnapshot;
import io.mesh4j.core.internal.registry.RegistryJson;

/** Raw HTTP calls, for what {@link io.mesh4j.core.internal.registry.RegistryClient} would never send. */
final class Http {

    private final BlockingWebClient client;

    Http(URI uri) {
        client = WebClient.builder(uri)
                .responseTimeout(Duration.ofSeconds(20))
                .build()
                .blocking();
    }

    AggregatedHttpResponse get(String path) {
        return client.execute(RequestHeaders.of(HttpMethod.GET, path));
    }

    AggregatedHttpResponse delete(String path) {
        return client.execute(RequestHeaders.of(HttpMethod.DELETE, path));
    }

    AggregatedHttpResponse put(String path, String body) {
        return send(HttpMethod.PUT, path, body);
    }

    /** Sends the body as {@code curl -d} does, form-encoded: the registry ignores the content type. */
    AggregatedHttpResponse send(HttpMethod method, String path, String body) {
        return client.execute(
                RequestHeaders.builder(method, path)
                        .contentType(MediaType.FORM_DATA)
                        .build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    static ErrorBody error(AggregatedHttpResponse res) {
        return RegistryJson.parseError(res.status().code(), res.content().array());
    }

    static long index(AggregatedHttpResponse res) {
        return RegistryJson.parseIndex(res.content().array());
    }

    static InstancesSnapshot snapshot(AggregatedHttpResponse res) {
        return RegistryJson.parseSnapshot(res.content().array());
    }
}
