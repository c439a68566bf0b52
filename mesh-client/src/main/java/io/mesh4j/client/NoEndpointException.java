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

    /**
     * Makes the exception; the mesh client does, when a call's wait for an endpoint ends.
     *
     * @param service the service the call found no endpoint of
     * @param message why, for a person: the registry unreachable, not answered yet, or no instance
     */
    public NoEndpointException(ServiceName service, String message) {
        super(requireNonNull(message, "message"));
        this.service = requireNonNull(service, "service");
    }

    /**
     * Returns the service the call found no endpoint of.
     *
     * @return the service; {@code null} once the exception has been serialized and read back, since the name is
     *     not serialized
     */
    public ServiceName service() {
        return service;
    }
}
