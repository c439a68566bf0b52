package io.mesh4j.client;

import java.time.Duration;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

/**
 * A backend in a process of its own, for a test that stops the process (SIGSTOP): an Armeria server on an
 * ephemeral loopback port answering {@code ok}; prints {@code port=<n>} once it listens, and serves until killed.
 */
public final class BackendMain {

    public static void main(String[] args) throws InterruptedException {
        final Server server = Server.builder()
                .http(0)
                .service("prefix:/", (ctx, req) -> HttpResponse.of("ok"))
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ZERO)
                .build();
        server.start().join();
        System.out.println("port=" + server.activeLocalPort(SessionProtocol.HTTP));
        System.out.flush();
        Thread.currentThread().join();
    }

    private BackendMain() {}
}
