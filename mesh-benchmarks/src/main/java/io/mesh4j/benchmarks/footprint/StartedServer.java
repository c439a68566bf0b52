package io.mesh4j.benchmarks.footprint;

/**
 * A footprint server, serving. An interface, so that the child's main class names neither kind's classes: the JVM
 * verifying it must not load mesh4j's classes into a raw child.
 */
interface StartedServer extends AutoCloseable {

    int port();

    @Override
    void close();
}
