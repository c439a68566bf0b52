package io.mesh4j.kubernetes.discovery;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.client.endpoint.EndpointGroup;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.kubernetes.internal.discovery.EndpointSliceGroup;

/**
 * The endpoints of a Kubernetes Service, from its EndpointSlices (those labelled
 * {@code kubernetes.io/service-name=<service>} in its namespace), listed and then watched with the fabric8 client:
 * only endpoints whose {@code ready} condition is not false, at the port of the given name, each with the zone the
 * slice gives it (which a client with a zone prefers). A watch that ends is opened again from where it was; one the
 * API server ends with 410 Gone (its resourceVersion too old) starts over with a fresh list.
 *
 * <pre>{@code
 * MeshClient mesh = MeshClient.builder(registryUri).identity(identity)
 *         .discovery("payments", KubernetesDiscovery.builder("payments").namespace("prod").port("http").build())
 *         .build();
 * }</pre>
 *
 * <p>The workload's service account needs {@code get}, {@code list} and {@code watch} on {@code endpointslices}
 * ({@code discovery.k8s.io}) in the namespace.
 */
public final class KubernetesDiscovery implements Discovery {

    /** A DNS-1123 label: what names a Kubernetes Service or namespace. */
    static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    private final String service;
    private final @Nullable String namespace;
    private final String port;
    private final @Nullable KubernetesClient client;

    KubernetesDiscovery(KubernetesDiscoveryBuilder b) {
        service = b.service;
        namespace = b.namespace;
        port = requireNonNull(b.port, "port");
        client = b.client;
    }

    /**
     * A builder of the backend of the Kubernetes Service {@code service}.
     *
     * @param service the Service's name, such as {@code payments}
     * @return a new builder
     * @throws IllegalArgumentException if {@code service} is not a DNS-1123 label
     */
    public static KubernetesDiscoveryBuilder builder(String service) {
        return new KubernetesDiscoveryBuilder(checkLabel("service", service));
    }

    static String checkLabel(String what, String value) {
        requireNonNull(value, what);
        if (value.length() > 63 || !LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(what + ": '" + value
                    + "' (expected: a Kubernetes name, lower-case letters, digits and '-', such as payments)");
        }
        return value;
    }

    @Override
    public EndpointGroup newEndpointGroup(ServiceName called) {
        final KubernetesClient given = client;
        // Without a client of the user's, each group makes one from the environment (in-cluster service account
        // token and CA, else the kubeconfig) and closes it with itself.
        final KubernetesClient used = given != null ? given : new KubernetesClientBuilder().build();
        final String ns = namespace != null ? namespace : namespaceOf(used);
        return EndpointSliceGroup.start(used, given == null, ns, service, port);
    }

    private static String namespaceOf(KubernetesClient client) {
        final @Nullable String configured = client.getNamespace();
        return configured != null ? configured : "default";
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    @Override
    public String toString() {
        return "kubernetes:" + service + (namespace != null ? "." + namespace : "") + ':' + port;
    }
}
