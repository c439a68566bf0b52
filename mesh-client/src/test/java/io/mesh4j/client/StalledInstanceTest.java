package io.mesh4j.client;

import static io.mesh4j.client.RetryTest.connected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.linecorp.armeria.client.ClientRequestContext;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.HttpClient;
import com.linecorp.armeria.client.SimpleDecoratingHttpClient;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;

/**
 * An instance whose process is stopped (SIGSTOP), as the chaos suite's instance-stop does: its connections stay
 * open, the kernel still takes its bytes, nothing answers. The default client must cut the attempts stuck on it by
 * the service's recent latency and retry them elsewhere, so that no idempotent call fails and none waits for its
 * 10 s timeout.
 */
class StalledInstanceTest {

    @RegisterExtension
    final RegistryExtension registry = new RegistryExtension();

    @Test
    void aStoppedProcessCostsNoIdempotentCallAndItsCallsMoveOnLongBeforeTheTimeout() throws Exception {
        assumeTrue(
                new java.io.File("/bin/kill").canExecute() || new java.io.File("/usr/bin/kill").canExecute(),
                "needs kill(1) to stop a process");
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicInteger metStopped = new AtomicInteger();
        final Process process = startBackendProcess();
        try (Backend healthy = Backend.start(registry.client(), "orders", "healthy", Backend.ok("ok"))) {
            final int port = portOf(process);
            registry.client()
                    .register(
                            ServiceName.of("orders"),
                            InstanceId.of("stopped"),
                            Registration.builder("127.0.0.1", port)
                                    .ttl(Duration.ofSeconds(60))
                                    .build())
                    .join();
            // The default client, with a per-attempt layer of the test's own that counts the attempts sent to the
            // instance once it is stopped.
            final Layer<HttpClient> counting =
                    Layer.of(Role.perAttempt("COUNT"), delegate -> new SimpleDecoratingHttpClient(delegate) {
                        @Override
                        public HttpResponse execute(ClientRequestContext ctx, HttpRequest req) throws Exception {
                            final Endpoint endpoint = ctx.endpoint();
                            if (stopped.get() && endpoint != null && endpoint.port() == port) {
                                metStopped.incrementAndGet();
                            }
                            return unwrap().execute(ctx, req);
                        }
                    });
            try (MeshClient mesh = MeshClient.builder(registry.uri())
                    .plaintext()
                    .stack(s -> s.append(counting))
                    .build()) {
                final WebClient orders = connected(mesh, "orders", 2);
                // The client learns how long the service usually takes, over connections to both instances.
                DiscoveryTest.sendAll(orders, 300);

                signal("-STOP", process);
                stopped.set(true);
                final Timed timed = new Timed();
                // Until a few attempts have met the stopped instance, within a bound of time rather than of calls:
                // the balancer keeps a failed instance out for a while, and how many calls that is depends on how
                // fast this machine is.
                final long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
                while ((metStopped.get() < 3 || timed.calls.get() < 300) && System.nanoTime() < deadline) {
                    timed.send(orders, 100, 8);
                }

                assertThat(metStopped.get())
                        .as("attempts sent to the stopped instance")
                        .isGreaterThanOrEqualTo(3);
                assertThat(timed.failures).as("failed calls").isEmpty();
                assertThat(Duration.ofNanos(timed.slowestNanos.get()))
                        .as("the slowest call, against a timeout of 10 s")
                        .isLessThan(Duration.ofSeconds(3));
            }
        } finally {
            signal("-CONT", process);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process startBackendProcess() throws IOException {
        final String java = ProcessHandle.current().info().command().orElseThrow();
        final String classPath = System.getProperty("java.class.path");
        // A manifest-only booter jar would hide the dependencies; the pom keeps surefire from using one.
        assertThat(classPath).contains("armeria");
        return new ProcessBuilder(List.of(
                        java, "-Xmx128m", "-XX:TieredStopAtLevel=1", "-cp", classPath, BackendMain.class.getName()))
                .redirectErrorStream(true)
                .start();
    }

    /** Reads the port the backend prints once it listens. */
    private static int portOf(Process process) throws Exception {
        final BufferedReader out =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        final CompletableFuture<Integer> port = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.startsWith("port=")) {
                        return Integer.parseInt(line.substring("port=".length()));
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalStateException("the backend process ended before it listened");
        });
        final int listening = port.get(60, TimeUnit.SECONDS);
        // Keep reading its output, so that a full pipe never blocks it.
        CompletableFuture.runAsync(() -> {
            try {
                while (out.readLine() != null) {
                    // drained
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        });
        return listening;
    }

    private static void signal(String signal, Process process) throws Exception {
        final Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(kill.exitValue()).as("kill " + signal).isZero();
    }

    /** GETs with a fixed number in flight: how they ended, and how long the slowest took. */
    private static final class Timed {
        final AtomicInteger calls = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        final AtomicLong slowestNanos = new AtomicLong();

        void send(WebClient client, int total, int concurrency) throws InterruptedException {
            final Semaphore inFlight = new Semaphore(concurrency);
            final CompletableFuture<?>[] sent = new CompletableFuture<?>[total];
            for (int i = 0; i < total; i++) {
                inFlight.acquire();
                final long start = System.nanoTime();
                calls.incrementAndGet();
                sent[i] = client.get("/").aggregate().handle((res, cause) -> {
                    slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    if (cause != null) {
                        failures.add(cause.toString());
                    } else if (!res.status().isSuccess()) {
                        failures.add(res.status().toString());
                    }
                    inFlight.release();
                    return null;
                });
            }
            CompletableFuture.allOf(sent).join();
        }
    }
}
