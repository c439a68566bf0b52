package io.mesh4j.core.identity;

import static java.util.Objects.requireNonNull;

import java.util.Optional;
import java.util.regex.Pattern;

import io.mesh4j.core.discovery.ServiceName;

/**
 * A SPIFFE ID, {@code spiffe://<trust-domain><path>}: the name a workload proves with its certificate.
 * A service's workloads are {@code spiffe://<trust-domain>/svc/<service>}; the registry itself is
 * {@code spiffe://<trust-domain>/registry}, a path no workload can be issued.
 *
 * <pre>{@code
 * SpiffeId orders = SpiffeId.ofService("mesh.local", ServiceName.of("orders"));  // spiffe://mesh.local/svc/orders
 * SpiffeId parsed = SpiffeId.parse("spiffe://mesh.local/svc/orders");            // equal to orders
 * }</pre>
 *
 * @param trustDomain 1 to 255 lower-case letters, digits, {@code .}, {@code -} and {@code _}, such as
 *     {@code mesh.local}
 * @param path empty, or segments such as {@code /svc/orders} of letters, digits, {@code .}, {@code -} and
 *     {@code _}, none of them {@code .} or {@code ..}
 */
public record SpiffeId(String trustDomain, String path) {

    private static final String SCHEME = "spiffe://";
    private static final String SERVICE_PREFIX = "/svc/";
    private static final String REGISTRY_PATH = "/registry";
    /** SPIFFE ID standard, section 2.1: lower-case letters, digits, '.', '-' and '_'. */
    private static final Pattern TRUST_DOMAIN = Pattern.compile("[a-z0-9._-]{1,255}");
    /** SPIFFE ID standard, section 2.2: segments of letters, digits, '.', '-' and '_', none '.' or '..'. */
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._-]+)*");

    /**
     * Checks the components.
     *
     * @param trustDomain see {@link #trustDomain()}
     * @param path see {@link #path()}
     * @throws NullPointerException if a component is {@code null}
     * @throws IllegalArgumentException if the trust domain or the path is malformed
     */
    public SpiffeId {
        requireNonNull(trustDomain, "trustDomain");
        requireNonNull(path, "path");
        checkTrustDomain(trustDomain);
        if (!PATH.matcher(path).matches()
                || path.contains("/./")
                || path.endsWith("/.")
                || path.contains("/../")
                || path.endsWith("/..")) {
            throw new IllegalArgumentException("SPIFFE ID path: '" + path + "' (expected: segments such as "
                    + "/svc/orders of letters, digits, '.', '-' and '_')");
        }
    }

    /**
     * Returns the identity of the workloads of {@code service}: {@code spiffe://<trustDomain>/svc/<service>}.
     *
     * @param trustDomain the mesh's trust domain, such as {@code mesh.local}
     * @param service the service
     * @return the ID
     * @throws IllegalArgumentException if the trust domain is malformed
     */
    public static SpiffeId ofService(String trustDomain, ServiceName service) {
        return new SpiffeId(trustDomain, SERVICE_PREFIX + service.value());
    }

    /**
     * Returns the identity of the registry of {@code trustDomain}: {@code spiffe://<trustDomain>/registry}.
     *
     * @param trustDomain the mesh's trust domain
     * @return the ID
     * @throws IllegalArgumentException if the trust domain is malformed
     */
    public static SpiffeId ofRegistry(String trustDomain) {
        return new SpiffeId(trustDomain, REGISTRY_PATH);
    }

    /**
     * Returns the identity of a trust domain itself, as a CA certificate carries it: {@code spiffe://<trustDomain>}.
     *
     * @param trustDomain the mesh's trust domain
     * @return the ID, with an empty path
     * @throws IllegalArgumentException if the trust domain is malformed
     */
    public static SpiffeId ofTrustDomain(String trustDomain) {
        return new SpiffeId(trustDomain, "");
    }

    /**
     * Parses {@code spiffe://trust-domain/path}.
     *
     * @param uri the ID as {@link #toString()} writes it
     * @return the ID
     * @throws IllegalArgumentException saying what is wrong
     */
    public static SpiffeId parse(String uri) {
        requireNonNull(uri, "uri");
        if (!uri.startsWith(SCHEME)) {
            throw new IllegalArgumentException("SPIFFE ID: '" + abbreviate(uri) + "' (expected: spiffe://<trust domain>"
                    + "/<path>, such as spiffe://mesh.local/svc/orders)");
        }
        final String rest = uri.substring(SCHEME.length());
        final int slash = rest.indexOf('/');
        return slash < 0 ? new SpiffeId(rest, "") : new SpiffeId(rest.substring(0, slash), rest.substring(slash));
    }

    /**
     * Checks a trust domain name.
     *
     * @param trustDomain the name to check
     * @return {@code trustDomain}, unchanged
     * @throws IllegalArgumentException saying what a trust domain is
     */
    public static String checkTrustDomain(String trustDomain) {
        if (!TRUST_DOMAIN.matcher(trustDomain).matches()) {
            throw new IllegalArgumentException("trust domain: '" + abbreviate(trustDomain) + "' (expected: lower-case "
                    + "letters, digits, '.', '-' and '_', such as mesh.local)");
        }
        return trustDomain;
    }

    /**
     * Returns the service this ID names, if it is a service's workload identity.
     *
     * @return the service of a {@code /svc/<service>} path; empty for any other path
     */
    public Optional<ServiceName> service() {
        if (!path.startsWith(SERVICE_PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ServiceName.of(path.substring(SERVICE_PREFIX.length())));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns whether this is a registry's identity.
     *
     * @return {@code true} if the path is {@code /registry}
     */
    public boolean isRegistry() {
        return REGISTRY_PATH.equals(path);
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /**
     * Returns the ID as a URI, which {@link #parse(String)} reads back.
     *
     * @return {@code spiffe://<trust-domain><path>}
     */
    @Override
    public String toString() {
        return SCHEME + trustDomain + path;
    }
}
