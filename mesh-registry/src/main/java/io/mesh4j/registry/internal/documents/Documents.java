package io.mesh4j.registry.internal.documents;

import java.io.IOException;
import java.nio.file.Path;

import io.mesh4j.core.authz.AccessPolicy;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.PolicyJson.PolicySnapshot;
import io.mesh4j.core.internal.registry.RouteJson;
import io.mesh4j.core.internal.registry.RouteJson.RoutesSnapshot;
import io.mesh4j.core.routing.RouteConfig;

/**
 * The kinds of document the registry keeps, each in its own directory, in the same form it answers them.
 */
public final class Documents {

    /**
     * The access policies, in {@code <data-dir>/policies}, whose answers also carry the mesh-wide default policy
     * last changed at {@code meshDefaultIndex}.
     */
    public static DocumentStore<AccessPolicy> policies(Path dataDir, long meshDefaultIndex) throws IOException {
        return DocumentStore.open(dataDir.resolve("policies"), POLICIES, meshDefaultIndex);
    }

    /** The access policies shared by registry replicas. */
    public static DocumentStore<AccessPolicy> policies(SharedDocuments shared, long meshDefaultIndex) {
        return DocumentStore.shared(shared, POLICIES, meshDefaultIndex);
    }

    /** The route configs shared by registry replicas. */
    public static DocumentStore<RouteConfig> routes(SharedDocuments shared) {
        return DocumentStore.shared(shared, ROUTES, 0);
    }

    /** The route configs, in {@code <data-dir>/routes}. */
    public static DocumentStore<RouteConfig> routes(Path dataDir) throws IOException {
        return DocumentStore.open(dataDir.resolve("routes"), ROUTES);
    }

    private static final DocumentStore.Codec<AccessPolicy> POLICIES = new DocumentStore.Codec<>() {
        @Override
        public byte[] write(DocumentStore.Versioned<AccessPolicy> versioned) {
            return PolicyJson.writeSnapshot(new PolicySnapshot(versioned.index(), versioned.document()));
        }

        @Override
        public DocumentStore.Versioned<AccessPolicy> read(byte[] file) {
            final PolicySnapshot snapshot = PolicyJson.parseSnapshot(file);
            return new DocumentStore.Versioned<>(snapshot.index(), snapshot.policy());
        }
    };

    private static final DocumentStore.Codec<RouteConfig> ROUTES = new DocumentStore.Codec<>() {
        @Override
        public byte[] write(DocumentStore.Versioned<RouteConfig> versioned) {
            return RouteJson.writeSnapshot(new RoutesSnapshot(versioned.index(), versioned.document()));
        }

        @Override
        public DocumentStore.Versioned<RouteConfig> read(byte[] file) {
            final RoutesSnapshot snapshot = RouteJson.parseSnapshot(file);
            return new DocumentStore.Versioned<>(snapshot.index(), snapshot.routes());
        }
    };

    private Documents() {}
}
