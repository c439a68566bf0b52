package io.mesh4j.benchmarks.hop;

import java.net.URI;
import java.nio.file.Path;

import com.linecorp.armeria.common.TlsKeyPair;

import picocli.CommandLine.Option;

/**
 * What both per-hop processes are given to prove who they are: the registry, a join token and trust bundle for
 * the mesh path's workload identity, and a CA, certificate and key made outside the mesh for the raw mTLS path.
 * One picocli mixin, so that the client and the server take them alike.
 */
final class HopCredentials {

    @Option(names = "--registry", required = true)
    URI registry = URI.create("https://127.0.0.1:7070");

    @Option(names = "--trust-bundle", required = true)
    Path trustBundle = Path.of("");

    @Option(names = "--join-token-file", required = true)
    Path joinTokenFile = Path.of("");

    @Option(names = "--ca", required = true, description = "The CA of the raw mTLS path's certificates.")
    Path ca = Path.of("");

    @Option(names = "--cert", required = true)
    Path cert = Path.of("");

    @Option(names = "--key", required = true)
    Path key = Path.of("");

    /** The raw mTLS path's own key and certificate. */
    TlsKeyPair rawKeyPair() {
        return JdkKeys.keyPair(key, cert);
    }
}
