package io.mesh4j.registry;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.ServiceName;

/**
 * How the registry admits workloads that join with their Kubernetes service-account token instead of a join token:
 * it asks the API server's TokenReview API whether the token is valid and for the audience {@code mesh4j}, and maps
 * the service account it names to a mesh service. The rule: a service account named in {@link
 * Builder#serviceAccount} is the service given there; any other is the service of its own name, if its namespace is
 * one of {@link Builder#namespaces}; every other token is refused (403), as is one the API server does not
 * authenticate or that is for another audience (401). Nothing is issued for a refused token, and a join with a
 * service-account token spends nothing: the next pod of the same deployment joins with its own.
 *
 * <pre>{@code
 * MeshRegistry.builder()
 *         .kubernetesTokenReview(KubernetesTokenReview.inCluster()
 *                 .namespaces("shop")
 *                 .serviceAccount("shop", "orders-v2", "orders")
 *                 .build())
 * }</pre>
 *
 * <p>The registry's own service account needs {@code create} on {@code tokenreviews.authentication.k8s.io} (a
 * ClusterRole); without it the API server answers 403 and workloads are told the registry cannot review tokens now
 * (503), and keep trying.
 */
public final class KubernetesTokenReview {

    /** The audience a workload's projected token must be for: {@value}. */
    public static final String DEFAULT_AUDIENCE = "mesh4j";

    /** Where a pod finds its own service account's token, CA bundle and namespace. */
    static final Path IN_CLUSTER_DIR = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");

    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");

    private final URI apiServer;
    private final @Nullable Path caFile;
    private final @Nullable Path credentialsFile;
    private final String audience;
    private final Set<String> namespaces;
    private final Map<String, ServiceName> accounts;

    private KubernetesTokenReview(Builder builder, Set<String> namespaces) {
        apiServer = builder.apiServer;
        caFile = builder.caFile;
        credentialsFile = builder.credentialsFile;
        audience = builder.audience;
        this.namespaces = Set.copyOf(namespaces);
        accounts = Map.copyOf(builder.accounts);
    }

    /**
     * Returns a builder for a registry that runs in a pod: the API server from {@code KUBERNETES_SERVICE_HOST} and
     * {@code KUBERNETES_SERVICE_PORT}, trusted with the pod's CA bundle, called with the pod's service-account token,
     * and the pod's own namespace admitted unless {@link Builder#namespaces} says otherwise.
     *
     * @return a new builder
     * @throws IllegalStateException if the process does not run in a pod (no {@code KUBERNETES_SERVICE_HOST})
     */
    public static Builder inCluster() {
        final @Nullable String host = System.getenv("KUBERNETES_SERVICE_HOST");
        final @Nullable String port = System.getenv("KUBERNETES_SERVICE_PORT");
        if (host == null || host.isBlank()) {
            throw new IllegalStateException("KUBERNETES_SERVICE_HOST is not set: this is not a pod (expected: "
                    + "--kubernetes-api URL to name the API server, such as http://127.0.0.1:8001 of kubectl proxy)");
        }
        final String shownHost = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        final Builder builder = new Builder(URI.create("https://" + shownHost + ':' + (port == null ? "443" : port)))
                .caFile(IN_CLUSTER_DIR.resolve("ca.crt"))
                .credentialsFile(IN_CLUSTER_DIR.resolve("token"));
        builder.ownNamespaceFile = IN_CLUSTER_DIR.resolve("namespace");
        return builder;
    }

    /**
     * Returns a builder for the API server at {@code apiServer}: {@code https://} with {@link Builder#caFile} and
     * {@link Builder#credentialsFile} for a real one, or {@code http://} for {@code kubectl proxy} on the
     * registry's host.
     *
     * @param apiServer such as {@code https://10.96.0.1:443}
     * @return a new builder
     * @throws IllegalArgumentException if the URI is not {@code http://} or {@code https://} with a host
     */
    public static Builder builder(URI apiServer) {
        return new Builder(apiServer);
    }

    /**
     * Returns the API server the registry reviews tokens with.
     *
     * @return its URI
     */
    public URI apiServer() {
        return apiServer;
    }

    /**
     * Returns the CA bundle the API server's certificate is verified with.
     *
     * @return the PEM file; empty to use the JVM's default trust
     */
    public Optional<Path> caFile() {
        return Optional.ofNullable(caFile);
    }

    /**
     * Returns the file holding the registry's own bearer token for the API server, read at every review.
     *
     * @return the file; empty to call without one (as through {@code kubectl proxy})
     */
    public Optional<Path> credentialsFile() {
        return Optional.ofNullable(credentialsFile);
    }

    /**
     * Returns the audience a workload's token must be for.
     *
     * @return such as {@value #DEFAULT_AUDIENCE}
     */
    public String audience() {
        return audience;
    }

    /**
     * Returns the namespaces whose service accounts join as the service of their own name.
     *
     * @return an unmodifiable set
     */
    public Set<String> namespaces() {
        return namespaces;
    }

    /**
     * Returns the service a service account joins as, by this rule.
     *
     * @param namespace the service account's namespace
     * @param account its name
     * @return the service; empty if the account may not join, or its name is no service name (then map it)
     */
    public Optional<ServiceName> serviceOf(String namespace, String account) {
        final @Nullable ServiceName mapped = accounts.get(namespace + '/' + account);
        if (mapped != null) {
            return Optional.of(mapped);
        }
        if (!namespaces.contains(namespace)) {
            return Optional.empty();
        }
        try {
            return Optional.of(ServiceName.of(account));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns the rule in words, such as {@code service accounts of namespaces [shop] as the service of their name,
     * shop/orders-v2 as orders}, for messages.
     *
     * @return the text
     */
    @Override
    public String toString() {
        final StringBuilder text = new StringBuilder("service accounts of namespaces ")
                .append(namespaces.stream().sorted().toList())
                .append(" as the service of their name");
        accounts.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(
                        e -> text.append(", ").append(e.getKey()).append(" as ").append(e.getValue()));
        return text.append(", audience ")
                .append(audience)
                .append(", API server ")
                .append(apiServer)
                .toString();
    }

    /** Builds a {@link KubernetesTokenReview}. */
    public static final class Builder {

        private final URI apiServer;
        private @Nullable Path caFile;
        private @Nullable Path credentialsFile;
        private @Nullable Path ownNamespaceFile;
        private String audience = DEFAULT_AUDIENCE;
        private final Set<String> namespaces = new LinkedHashSet<>();
        private final Map<String, ServiceName> accounts = new LinkedHashMap<>();

        private Builder(URI apiServer) {
            requireNonNull(apiServer, "apiServer");
            final @Nullable String scheme = apiServer.getScheme();
            if (!("https".equals(scheme) || "http".equals(scheme)) || apiServer.getHost() == null) {
                throw new IllegalArgumentException("Kubernetes API server: " + apiServer
                        + " (expected: https://host:port, or http://127.0.0.1:8001 of kubectl proxy)");
            }
            this.apiServer = apiServer;
        }

        /**
         * Trusts the API server's certificate by this CA bundle; the JVM's default trust unless set (or the pod's
         * bundle, {@link #inCluster()}).
         *
         * @param file a PEM file
         * @return this builder
         */
        public Builder caFile(Path file) {
            caFile = requireNonNull(file, "file");
            return this;
        }

        /**
         * Calls the API server with the bearer token in this file, read at every review (Kubernetes rotates it);
         * none unless set (or the pod's own, {@link #inCluster()}).
         *
         * @param file a file holding the token
         * @return this builder
         */
        public Builder credentialsFile(Path file) {
            credentialsFile = requireNonNull(file, "file");
            return this;
        }

        /**
         * Sets the audience a workload's token must be for; {@value #DEFAULT_AUDIENCE} unless set. A token for
         * another audience (the API server's own, say) is refused: a token a pod may hand to anything else must not
         * be a way into the mesh.
         *
         * @param audience the audience of the workloads' projected tokens
         * @return this builder
         */
        public Builder audience(String audience) {
            requireNonNull(audience, "audience");
            if (audience.isBlank()) {
                throw new IllegalArgumentException("audience: blank (expected: such as " + DEFAULT_AUDIENCE + ')');
            }
            this.audience = audience;
            return this;
        }

        /**
         * Admits the service accounts of these namespaces, each as the service of its own name. Adds to those
         * already set.
         *
         * @param namespaces namespace names, such as {@code shop}
         * @return this builder
         * @throws IllegalArgumentException if a name is not a namespace name
         */
        public Builder namespaces(String... namespaces) {
            return namespaces(List.of(namespaces));
        }

        /**
         * Admits the service accounts of these namespaces; see {@link #namespaces(String...)}.
         *
         * @param namespaces namespace names
         * @return this builder
         * @throws IllegalArgumentException if a name is not a namespace name
         */
        public Builder namespaces(Collection<String> namespaces) {
            for (String namespace : namespaces) {
                this.namespaces.add(checkNamespace(namespace));
            }
            return this;
        }

        /**
         * Admits one service account as {@code service}, whether or not its namespace is admitted: for an account
         * whose name is not the service's.
         *
         * @param namespace the account's namespace
         * @param account the account's name
         * @param service the mesh service it joins as
         * @return this builder
         * @throws IllegalArgumentException if a name is invalid
         */
        public Builder serviceAccount(String namespace, String account, String service) {
            requireNonNull(account, "account");
            if (!ACCOUNT.matcher(account).matches()) {
                throw new IllegalArgumentException("service account: " + account
                        + " (expected: a Kubernetes name, lowercase letters, digits, '-' and '.')");
            }
            accounts.put(checkNamespace(namespace) + '/' + account, ServiceName.of(service));
            return this;
        }

        /**
         * Returns the rule.
         *
         * @return a new rule
         * @throws IllegalStateException if it admits nobody: no namespace, no account, and (in a pod) no readable
         *     namespace file
         */
        public KubernetesTokenReview build() {
            final Set<String> admitted = new LinkedHashSet<>(namespaces);
            if (admitted.isEmpty() && ownNamespaceFile != null) {
                try {
                    admitted.add(checkNamespace(Files.readString(ownNamespaceFile, StandardCharsets.US_ASCII)
                            .strip()));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read the pod's namespace from " + ownNamespaceFile, e);
                }
            }
            if (admitted.isEmpty() && accounts.isEmpty()) {
                throw new IllegalStateException("Kubernetes token review admits nobody (expected: the namespaces "
                        + "whose service accounts may join, or service accounts mapped to services)");
            }
            return new KubernetesTokenReview(this, admitted);
        }

        private static String checkNamespace(String namespace) {
            requireNonNull(namespace, "namespace");
            if (!NAMESPACE.matcher(namespace).matches()) {
                throw new IllegalArgumentException("namespace: " + namespace
                        + " (expected: a DNS-1123 label, lowercase letters, digits and '-', such as shop)");
            }
            return namespace;
        }
    }
}
