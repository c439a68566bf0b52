package io.mesh4j.benchmarks.hop;

import java.nio.charset.StandardCharsets;

import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;

/**
 * The small JSON echo every path serves: the request's JSON body comes back as the response. It does no work of
 * its own, so that what is measured is the path and not the handler; any real handler makes every ratio closer
 * to 1. The footprint benchmark serves it too.
 */
public final class JsonEcho implements HttpService {

    public static final String PATH = "/echo";

    /** A request body of the size of a small API call. */
    public static final byte[] BODY = ("{\"id\":1234,\"customer\":\"c-5678\",\"items\":[{\"sku\":\"a-1\",\"qty\":2},"
                    + "{\"sku\":\"b-2\",\"qty\":1}],\"note\":\"a small JSON echo\"}")
            .getBytes(StandardCharsets.UTF_8);

    public static HttpRequest newRequest() {
        return HttpRequest.of(HttpMethod.POST, PATH, MediaType.JSON_UTF_8, BODY);
    }

    @Override
    public HttpResponse serve(ServiceRequestContext ctx, HttpRequest req) {
        return HttpResponse.of(req.aggregate()
                .thenApply(body -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, body.content())));
    }
}
