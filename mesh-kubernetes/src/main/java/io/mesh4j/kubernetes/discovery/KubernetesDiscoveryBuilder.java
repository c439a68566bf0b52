package io.mesh4j.kubernetes.discovery;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Builds a {@link KubernetesDiscovery}.
 */
public final class KubernetesDiscoveryBuilder {

    final String service;

    @Nullable
    String namespace;

    @Nullable
    String port;

    @Nullable
    KubernetesClient client;

    KubernetesDiscoveryBuilder(String service) {
        this.service = service;
    }

    /**
     * The Service's namespace; the client's own (in a pod, the pod's namespace) unless set.
     *
     * @param namespace such as {@code prod}
     * @return this builder
     * @throws IllegalArgumentException if not a DNS-1123 label
     */
    public KubernetesDiscoveryBuilder namespace(String namespace) {
        this.namespace = KubernetesDiscovery.checkLabel("namespace", namespace);
        return this;
    }

    /**
     * The port to call, by its name in the Service (and so in its EndpointSlices), such as {@code http}; or by its
     * number, such as {@code 8080}. Required: a Service may have several ports, and a guess would call the wrong one.
     *
     * @param port a port name or number
     * @return this builder
     * @throws IllegalArgumentException if empty
     */
    public KubernetesDiscoveryBuilder port(String port) {
        requireNonNull(port, "port");
        if (port.isBlank()) {
            throw new IllegalArgumentException("port: empty (expected: the port's name in the Service, such as http)");
        }
        this.port = port;
        return this;
    }

    /**
     * The client to list and watch with; one made from the environment (in-cluster config, else the kubeconfig)
     * per called service unless set. A client given here is shared and not closed by the mesh.
     *
     * @param client the client
     * @return this builder
     */
    public KubernetesDiscoveryBuilder client(KubernetesClient client) {
        this.client = requireNonNull(client, "client");
        return this;
    }

    /**
     * Builds the backend. It lists and watches nothing until a mesh client calls the service.
     *
     * @return a new backend
     * @throws IllegalStateException without a {@link #port(String)}
     */
    public KubernetesDiscovery build() {
        if (port == null) {
            throw new IllegalStateException("no port for the Kubernetes Service " + service
                    + " (expected: port(\"http\"), the port's name in the Service)");
        }
        return new KubernetesDiscovery(this);
    }
}
