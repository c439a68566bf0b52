package io.mesh4j.spring.autoconfigure;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import io.mesh4j.server.MeshServer;

/**
 * Starts the mesh server (certificate, listener, registration) once the application's web server is up, and on
 * shutdown deregisters and drains it
 * before the web server's own graceful shutdown begins: callers stop picking this
 * instance first, then the requests in flight finish.
 */
final class MeshServerLifecycle implements SmartLifecycle {

    /**
     * Stops before (and starts after) the web server's graceful shutdown, whose phase is
     * {@code SmartLifecycle.DEFAULT_PHASE - 1024} on Spring Boot 3.5 and 4 alike. Its class moved in Boot 4
     * ({@code org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle}), so its value is
     * written here and a test on each line checks it against that line's class.
     */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024 + 1;

    /** How long to wait at start for the first certificate and the listener, before failing the start. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    /** How long to wait for the registration, before going on with it in the background. */
    private static final Duration REGISTRATION_WAIT = Duration.ofSeconds(10);
    /** How long it waits when it starts from its last-known-good state: long enough for a registry that is up. */
    private static final Duration LAST_KNOWN_GOOD_REGISTRATION_WAIT = Duration.ofSeconds(1);

    private static final Logger logger = LoggerFactory.getLogger(MeshServerLifecycle.class);

    private final MeshServer server;
    private volatile boolean running;

    MeshServerLifecycle(MeshServer server) {
        this.server = requireNonNull(server, "server");
    }

    @Override
    public void start() {
        final CompletableFuture<MeshServer> registered = server.start();
        try {
            server.whenServing().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    server.service() + " could not get its certificate and listen within "
                            + START_TIMEOUT.toSeconds() + " s: is the registry reachable at "
                            + "mesh.registry?",
                    e);
        } catch (Exception e) {
            final Throwable cause =
                    e.getCause() instanceof CompletionException && e.getCause().getCause() != null
                            ? e.getCause().getCause()
                            : e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(
                    server.service() + " could not join the mesh: " + cause.getMessage(), cause);
        }
        // Restarted from mesh.state-dir while the registry does not answer: serving is all it can do now, and a start
        // held 10 s for a registration the registry is not there to take would only delay it.
        final Duration wait = server.lastKnownGood() != null ? LAST_KNOWN_GOOD_REGISTRATION_WAIT : REGISTRATION_WAIT;
        try {
            registered.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // It serves; the registration keeps trying in the background and says so in the log.
            logger.warn(
                    "{}: serving, not registered yet after {} ms{}; registering in the background",
                    server.service(),
                    wait.toMillis(),
                    server.lastKnownGood() != null ? " (" + server.lastKnownGood() + ')' : "");
        }
        running = true;
    }

    @Override
    public void stop(Runnable callback) {
        server.stop().whenComplete((unused, cause) -> {
            running = false;
            callback.run();
        });
    }

    @Override
    public void stop() {
        server.stop().join();
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
