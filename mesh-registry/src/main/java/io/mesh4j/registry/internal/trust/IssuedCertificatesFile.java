package io.mesh4j.registry.internal.trust;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.mesh4j.core.identity.SpiffeId;
import io.mesh4j.core.internal.identity.TrustState;
import io.mesh4j.registry.internal.ca.OwnerOnlyFiles;

/**
 * The {@linkplain IssuedCertificates issued certificates} of one registry, in {@code <data-dir>/issued.json}. Each
 * entry goes once its certificate has expired, so the file holds about one certificate per workload.
 */
final class IssuedCertificatesFile implements IssuedCertificates {

    static final String FILE = "issued.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;
    // Guarded by this.
    private final Map<BigInteger, Issued> bySerial = new LinkedHashMap<>();

    private IssuedCertificatesFile(Path file, Clock clock) {
        this.file = file;
        this.clock = clock;
    }

    static IssuedCertificatesFile open(Path file, Clock clock) throws IOException {
        final IssuedCertificatesFile issued = new IssuedCertificatesFile(requireNonNull(file, "file"), clock);
        if (Files.exists(file)) {
            for (JsonNode node : JSON.readTree(file.toFile()).path("issued")) {
                final Issued entry = new Issued(
                        TrustState.parseSerial(node.path("serial").asText()),
                        SpiffeId.parse(node.path("spiffeId").asText()),
                        Instant.parse(node.path("notAfter").asText()));
                issued.bySerial.put(entry.serial(), entry);
            }
        }
        return issued;
    }

    @Override
    public synchronized void add(X509Certificate leaf, SpiffeId id) throws IOException {
        bySerial.put(
                leaf.getSerialNumber(),
                new Issued(leaf.getSerialNumber(), id, leaf.getNotAfter().toInstant()));
        dropExpired();
        save();
    }

    @Override
    public synchronized @Nullable Issued find(BigInteger serial) {
        final @Nullable Issued issued = bySerial.get(serial);
        return issued != null && issued.notAfter().isAfter(clock.instant()) ? issued : null;
    }

    @Override
    public synchronized List<Issued> of(SpiffeId id) {
        final Instant now = clock.instant();
        final List<Issued> found = new ArrayList<>();
        for (Issued issued : bySerial.values()) {
            if (issued.id().equals(id) && issued.notAfter().isAfter(now)) {
                found.add(issued);
            }
        }
        return found;
    }

    /** Forgets the expired certificates; writes the file only if one went. */
    @Override
    public synchronized void prune() throws IOException {
        if (dropExpired()) {
            save();
        }
    }

    private boolean dropExpired() {
        final Instant now = clock.instant();
        return bySerial.values().removeIf(issued -> !issued.notAfter().isAfter(now));
    }

    private void save() throws IOException {
        final ObjectNode root = JSON.createObjectNode();
        final ArrayNode array = root.putArray("issued");
        for (Issued issued : bySerial.values()) {
            array.addObject()
                    .put("serial", TrustState.formatSerial(issued.serial()))
                    .put("spiffeId", issued.id().toString())
                    .put("notAfter", issued.notAfter().toString());
        }
        OwnerOnlyFiles.write(file, JSON.writeValueAsBytes(root));
    }
}
