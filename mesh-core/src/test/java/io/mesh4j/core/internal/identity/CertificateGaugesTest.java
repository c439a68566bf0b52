package io.mesh4j.core.internal.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.server.Server;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Metrics;

class CertificateGaugesTest {

    /**
     * In a fresh JVM, since the filter is installed once per process: Armeria registers its meters in the global
     * registry first (a server, as a registry or a raw service in the same process would), then a workload identity
     * asks for the filter. Micrometer warns of a filter added after a meter unless it was added before.
     */
    @Test
    void theFilterIsInPlaceBeforeArmeriasFirstMeterSoMicrometerDoesNotWarn() throws Exception {
        final String java = ProcessHandle.current().info().command().orElseThrow();
        final String classPath = System.getProperty("java.class.path");
        assertThat(classPath).contains("armeria");
        final Process process = new ProcessBuilder(
                        List.of(java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classPath, Probe.class.getName()))
                .redirectErrorStream(true)
                .start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output)
                .as("the probe had Armeria's meters in the global registry before the filter was asked for")
                .contains("meters before: ")
                .doesNotContain("meters before: 0\n");
        assertThat(output).contains("certificate gauge kept: false");
        assertThat(output).doesNotContain("A MeterFilter is being configured after a Meter has been registered");
    }

    /** What a process does: Armeria first, then the filter, as {@code WorkloadIdentity} asks for it. */
    static final class Probe {
        public static void main(String[] args) {
            final Server server = Server.builder()
                    .http(0)
                    .service("/", (ctx, req) -> HttpResponse.of("ok"))
                    .build();
            server.start().join();
            System.out.println(
                    "meters before: " + Metrics.globalRegistry.getMeters().size());
            CertificateGauges.quiet();
            Gauge.builder("armeria.server.tls.certificate.validity", () -> 1).register(Metrics.globalRegistry);
            System.out.println("certificate gauge kept: "
                    + (Metrics.globalRegistry
                                    .find("armeria.server.tls.certificate.validity")
                                    .gauge()
                            != null));
            server.stop().join();
        }
    }
}
