package io.mesh4j.server;

import java.net.URI;
import java.time.Duration;

import com.linecorp.armeria.common.HttpResponse;

/**
 * A plain-Java service as a user writes one, for {@link StopOnShutdownTest}: it starts a mesh server and waits,
 * with no shutdown handling of its own.
 */
public final class StopOnShutdownMain {

    public static void main(String[] args) throws Exception {
        final MeshServer server = MeshServer.builder("orders", URI.create(args[0]))
                .plaintext()
                .advertisedHost("127.0.0.1")
                .instanceId("orders-1")
                .ttl(Duration.ofSeconds(60))
                .drainPeriod(Duration.ofMillis(200))
                .service("/", (ctx, req) -> HttpResponse.of("orders"))
                .build();
        server.start().join();
        System.out.println("registered");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private StopOnShutdownMain() {}
}
