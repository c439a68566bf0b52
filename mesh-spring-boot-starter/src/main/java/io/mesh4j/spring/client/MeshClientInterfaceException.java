package io.mesh4j.spring.client;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A {@code @ServiceClient} interface that cannot be made into a client; {@link MeshClientInterfaceFailureAnalyzer}
 * turns it into a failure analysis that names the interface and its method.
 */
public final class MeshClientInterfaceException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The interface's fully qualified name. */
    private final String interfaceName;

    MeshClientInterfaceException(Class<?> type, @Nullable String problem, Throwable cause) {
        super(
                "the @ServiceClient interface " + type.getName() + " cannot be made: "
                        + (problem != null ? problem : cause.toString()),
                cause);
        interfaceName = requireNonNull(type, "type").getName();
    }

    /**
     * Returns the interface's fully qualified name.
     *
     * @return such as {@code com.example.OrdersClient}
     */
    public String interfaceName() {
        return interfaceName;
    }
}
