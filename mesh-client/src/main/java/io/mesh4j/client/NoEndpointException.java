package io.mesh4j.client;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.endpoint.EndpointGroupException;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A call found no endpoint of its service within its timeout: the registry cannot be reached, has not answered
 * yet, or lists no instance of the service. The message says which. A {@link com.linecorp.armeria.client.WebClient}
 * call fails with it as the cause of an {@link com.linecorp.armeria.client.UnprocessedRequestException} (nothing
 * was sent); a typed client's method throws it as it is.
 */
public final class NoEndpointException extends EndpointGroupException {

    private static final long serialVersionUID = 1L;

    private final transient ServiceName service;

    public NoEndpointException(ServiceName service, String message) {
        super(requireNonNull(message, "message"));
        this.service = requireNonNull(service, "service");
    }

    /** The service the call found no endpoint of. */
    public ServiceName service() {
        return service;
    }
}
