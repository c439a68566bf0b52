package io.mesh4j.client.discovery;

/**
 * A discovery backend that {@link Discovery#parse(String)} knows by its scheme, such as {@code kubernetes}: modules
 * that bring a backend (and its dependencies) list their scheme in
 * {@code META-INF/services/io.mesh4j.client.discovery.DiscoveryScheme}, so that the client needs none of them.
 */
public interface DiscoveryScheme {

    /**
     * The scheme, the text before the first {@code ':'} of a spec, such as {@code kubernetes}.
     *
     * @return a lower-case word
     */
    String scheme();

    /**
     * How a spec of this scheme is written, for messages about a wrong one.
     *
     * @return such as {@code kubernetes:<service>.<namespace>:<port name>}
     */
    String syntax();

    /**
     * Makes the discovery a spec of this scheme names.
     *
     * @param rest the spec after {@code scheme:}
     * @return the discovery
     * @throws IllegalArgumentException saying what is wrong with {@code rest} and how to write it
     */
    Discovery parse(String rest);
}
