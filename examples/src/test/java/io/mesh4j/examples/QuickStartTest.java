package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.policy.ClientPolicy;
import io.mesh4j.client.retry.RetryConfig;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;

/** The README's quick start, as written there, so that it cannot rot. */
class QuickStartTest {

    @TempDir
    Path dataDir;

    @Test
    void theReadmesQuickStartWorks() throws Exception {
        try (MeshRegistry running = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()) {
            running.start();
            final URI registry = running.uri();

            final String token = RegistryAccess.ADMIN_CLIENT
                    .get(running)
                    .createToken(new IdentityJson.TokenRequest(ServiceName.of("orders"), Duration.ofMinutes(10), 2))
                    .join()
                    .token();
            final Path tokenFile = Files.writeString(dataDir.resolve("orders.token"), token);
            final Path bundleFile = dataDir.resolve("trust-bundle.pem");

            // ---- from the README
            // Who this workload is: it makes its key in memory and gets a certificate with the operator's token.
            WorkloadIdentity identity = WorkloadIdentity.builder(registry, "orders")
                    .joinTokenFile(tokenFile) // from: meshctl token create --service orders
                    .trustBundleFile(bundleFile) // <registry data dir>/trust-bundle.pem
                    .build();

            // orders: serves over mTLS, registers itself, heartbeats; on stop deregisters, drains and closes.
            MeshServer orders = MeshServer.builder("orders", registry)
                    .identity(identity)
                    .service("/orders/{id}", (ctx, req) -> HttpResponse.of("order " + ctx.pathParam("id")))
                    .build();
            orders.start().join(); // certificate in, serving, and registered

            // A client for the service name, not for a host; it checks the server really is "orders".
            MeshClient mesh = MeshClient.builder(registry).identity(identity).build();
            WebClient ordersClient = mesh.webClient("orders");
            String body = ordersClient.get("/orders/42").aggregate().join().contentUtf8();

            // Per-service values (timeouts, retries, breakers) are looked up per call and can be replaced live:
            mesh.policies()
                    .replace(
                            ServiceName.of("orders"),
                            ClientPolicy.builder()
                                    .timeout(Duration.ofSeconds(2))
                                    .retry(RetryConfig.builder().maxAttempts(2).build())
                                    .build());

            orders.stop().join();
            mesh.close();
            identity.close();
            // ---- end of the README's code

            assertThat(body).isEqualTo("order 42");
        }
    }

    /**
     * The README's quick start is the code between the markers above, word for word: a change to one that is not
     * made to the other fails here. Whitespace does not count, so either may be re-indented.
     */
    @Test
    void theReadmeShowsTheCodeThisTestRuns() throws Exception {
        // The module's directory is the working directory of its tests.
        final String readme = Files.readString(Path.of("../README.md"));
        final String source = Files.readString(Path.of("src/test/java/io/mesh4j/examples/QuickStartTest.java"));

        final String shown = between(readme, "## Quick start", "```java", "```");
        final String run = between(
                source, "// ---- from the README", "// ---- from the README", "// ---- end of the README's code");

        assertThat(normalized(shown))
                .as("the ```java block of the README's quick start (README.md) against the code between the markers "
                        + "in QuickStartTest.java: change both together")
                .isEqualTo(normalized(run));
    }

    /**
     * The lines between the first line {@code open} at or after the line {@code start}, and the next line
     * {@code close}. A line matches when it is the marker once stripped of its indentation, so that the markers
     * written as string literals in this class are never taken for the real ones.
     */
    static String between(String text, String start, String open, String close) {
        final String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length && !lines[i].strip().equals(start)) {
            i++;
        }
        while (i < lines.length && !lines[i].strip().equals(open)) {
            i++;
        }
        assertThat(i).as("a line '%s' followed by a line '%s'", start, open).isLessThan(lines.length);
        final StringBuilder code = new StringBuilder();
        for (i++; i < lines.length && !lines[i].strip().equals(close); i++) {
            code.append(lines[i]).append('\n');
        }
        assertThat(i).as("a line '%s' after '%s'", close, open).isLessThan(lines.length);
        return code.toString();
    }

    /**
     * Checks that the {@code ```java} block of the README's {@code section} (such as {@code ## Raw TCP}) is, token for
     * token, the code a test runs between its {@code // ---- from the README} markers, so that neither changes alone.
     *
     * @param section the README heading, as written
     * @param testClass the test whose source holds the markers, in this module's {@code src/test/java}
     */
    static void assertReadmeShowsTheCodeOf(String section, Class<?> testClass) throws IOException {
        final String file = "src/test/java/" + testClass.getName().replace('.', '/') + ".java";
        final String shown = between(Files.readString(Path.of("../README.md")), section, "```java", "```");
        final String run = between(
                Files.readString(Path.of(file)),
                "// ---- from the README",
                "// ---- from the README",
                "// ---- end of the README's code");
        assertThat(normalized(shown))
                .as(
                        "the ```java block of the README's '%s' section against the code between the markers in %s: "
                                + "change both together",
                        section, file)
                .isEqualTo(normalized(run));
    }

    /**
     * The code without its layout: the formatter breaks lines where the README keeps them whole, and the tokens are
     * what must agree.
     */
    static String normalized(String code) {
        return code.replaceAll("\\s+", "");
    }
}
