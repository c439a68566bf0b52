package io.mesh4j.benchmarks.footprint;

import java.net.URI;
import java.nio.file.Path;

import picocli.CommandLine.Option;

/**
 * What a footprint child is given to prove who it is: a CA, certificate and key made outside the mesh for a raw
 * child, or the registry, a join token and its trust bundle for a mesh child. One picocli mixin for the server and
 * the client, so that both take them alike; a child reads only the ones of its kind.
 */
final class Credentials {

    @Option(names = "--ca", description = "The CA of a raw child's certificates.")
    Path ca = Path.of("");

    @Option(names = "--cert")
    Path cert = Path.of("");

    @Option(names = "--key")
    Path key = Path.of("");

    @Option(names = "--registry")
    URI registry = URI.create("https://127.0.0.1:7070");

    @Option(names = "--trust-bundle")
    Path trustBundle = Path.of("");

    @Option(names = "--join-token-file")
    Path joinTokenFile = Path.of("");
}
