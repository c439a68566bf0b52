package io.mesh4j.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The demo as the README runs it, in its own JVM through its {@code main}: a registry, two catalog instances and
 * the shop as Spring Boot applications, calls through the shop's injected {@code @ServiceClient}, and what the
 * registry and the actuator say.
 */
class SpringBootDemoTest {

    @Test
    void theShopCallsTheCatalogThroughTheMeshAndTheRegistrySeesTheInstancesComeAndGo() throws Exception {
        // Its output goes to a file, not a pipe: a demo that never exits fails this test in 90 s instead of
        // hanging it.
        final Path log = Files.createTempFile("mesh4j-spring-demo-", ".log");
        final Process demo = new ProcessBuilder(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SpringBootDemo.class.getName(),
                        "--seconds",
                        "2",
                        "--rate",
                        "50"))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        final boolean exited = demo.waitFor(90, TimeUnit.SECONDS);
        if (!exited) {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        final String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);

        assertThat(exited)
                .as("the demo exited within 90 s; it printed:%n%s", output)
                .isTrue();
        assertThat(demo.exitValue()).as(output).isZero();
        // Both catalog instances registered as their applications started; the shop, which only calls, did not.
        assertThat(output)
                .containsPattern(
                        "\\$ meshctl services\\s+SERVICE\\s+INSTANCES\\s+INDEX\\s+" + "catalog\\s+2\\s+\\d+\\s")
                // One call by hand: the shop's answer carries the catalog instance that gave it.
                .containsPattern("\\{\"sku\":\"kettle\",\"name\":\"Kettle, 1.7 l\",\"price\":\"34.90 EUR\","
                        + "\"servedBy\":\"catalog-[12]\"}")
                .contains("first 1 s: both catalog instances", "calls  failed      p50      p99")
                // Which instance answers how much is the balancer's call, made on latencies: not checked.
                .containsPattern("\\s+\\d+\\s+0\\s+\\d+\\.\\dms\\s+\\d+\\.\\dms\\s+catalog-[12]\\s+\\d+\\.\\d%")
                .contains("routes of catalog in force at index")
                // catalog-2 deregistered as its context closed, then catalog-1 as the demo ended.
                .containsPattern(
                        "\\$ meshctl services\\s+SERVICE\\s+INSTANCES\\s+INDEX\\s+" + "catalog\\s+1\\s+\\d+\\s")
                .containsPattern("catalog-1 deregisters and drains as its context closes\n"
                        + "\\$ meshctl services\n\\s+SERVICE\\s+INSTANCES\\s+INDEX\n"
                        + "  # no service has an instance left")
                // The shop's actuator: mesh health UP over mTLS, the registry reachable, one endpoint
                // left; its stack in request order and the route config the operator applied.
                .contains("UP · spiffe://mesh.local/svc/shop · certificate expires in 23h")
                .contains("registry reachable · endpoints known {\"catalog\":1}")
                .contains("outbound stack      TRACING → METRICS → ROUTING → FAULTS → DEADLINE → HEDGE → "
                        + "RETRY → BREAKER")
                .containsPattern("catalog endpoints   catalog-1 127\\.0\\.0\\.1:\\d+\n")
                .contains("\"name\":\"item-lookups\"", "\"timeout\":\"800ms\"")
                // The catalog's actuator: its inbound stack, and its route's annotations.
                .contains("inbound stack       TRACING → METRICS → AUTHZ → RATE_LIMIT → CONCURRENCY → "
                        + "FAULTS → DEADLINE")
                .contains("GET /items/:sku  CatalogApi.item(String)")
                .containsPattern("done: \\d+ calls through the mesh in 2 s, 0 failed\\.");
    }
}
