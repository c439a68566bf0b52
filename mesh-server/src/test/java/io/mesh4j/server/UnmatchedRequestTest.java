package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.server.annotation.Get;
import com.linecorp.armeria.server.annotation.Param;

import io.mesh4j.registry.MeshRegistry;

/**
 * A request no route matches is answered as Armeria's fallback answers it, though the mesh binds its own catch-all
 * to put the stack in front of it, and the routes it binds itself keep their own answers.
 */
class UnmatchedRequestTest {

    @TempDir
    Path dir;

    private MeshRegistry registry;
    private MeshServer server;

    /** One GET route, so that another method on its path is a 405. */
    public static final class Orders {
        @Get("/orders/{id}")
        public String order(@Param("id") String id) {
            return "order " + id;
        }
    }

    private WebClient start() {
        registry = Registries.start(dir);
        server = MeshServer.builder("orders", registry.uri())
                .plaintext()
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .annotatedService(new Orders())
                .service("/files/", (ctx, req) -> HttpResponse.of("files"))
                .build();
        server.start().join();
        return WebClient.of("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop().join();
        }
        if (registry != null) {
            registry.stop();
        }
    }

    @Test
    void answersAsArmeriasFallbackWhenNoRouteMatches() {
        final WebClient client = start();

        assertThat(client.get("/orders/7").aggregate().join().contentUtf8()).isEqualTo("order 7");
        assertThat(client.get("/files/").aggregate().join().contentUtf8()).isEqualTo("files");
        assertThat(client.get("/nowhere").aggregate().join().status()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(client.get("/nowhere/").aggregate().join().status()).isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(client.post("/orders/7", "x").aggregate().join().status())
                .as("a route's path with a method it does not serve")
                .isEqualTo(HttpStatus.METHOD_NOT_ALLOWED);
        final AggregatedHttpResponse redirect =
                client.get("/files?all").aggregate().join();
        assertThat(redirect.status()).isEqualTo(HttpStatus.TEMPORARY_REDIRECT);
        assertThat(redirect.headers().get(HttpHeaderNames.LOCATION)).isEqualTo("files/?all");
    }
}
