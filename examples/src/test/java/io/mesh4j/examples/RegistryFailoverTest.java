package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import com.linecorp.armeria.common.HttpResponse;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.internal.ClientAccess;
import io.mesh4j.client.internal.discovery.RegistryEndpointGroup;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.MeshIdentity;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.identity.RegistryTrust;
import io.mesh4j.core.internal.registry.IdentityJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.server.MeshServer;

/**
 * Two registry replicas, real processes over a real 3-member etcd, and a client and a server over mTLS given both
 * addresses: the replica they talk to is killed ({@code kill -9}) while the client keeps calling, and no call fails;
 * their watches move to the other replica and resume there by their index (no answer until something changes),
 * and a change made through the survivor reaches the client as an incremental answer, not a full list.
 */
class RegistryFailoverTest {

    private static final ServiceName ORDERS = ServiceName.of("orders");

    @RegisterExtension
    static final EtcdCluster etcd = new EtcdCluster();

    @TempDir
    Path dirA;

    @TempDir
    Path dirB;

    @TempDir
    Path logs;

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** A registry replica in its own JVM over the etcd cluster; returns once it serves. */
    private ExternalProcess replica(String name, int port, Path dataDir, List<String> more) throws Exception {
        final List<String> command = new ArrayList<>(List.of(
                ExternalProcess.java(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.mesh4j.registry.RegistryMain",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--data-dir",
                dataDir.toString(),
                "--etcd",
                etcd.endpointsFlag()));
        command.addAll(more);
        final ExternalProcess process = ExternalProcess.start(command, logs.resolve(name + ".log"));
        toClose.add(process);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    assertThat(process.isAlive())
                            .as("replica %s runs: %s", name, log(process))
                            .isTrue();
                    assertThat(log(process)).contains("mesh-registry listening on");
                });
        return process;
    }

    private static String log(ExternalProcess process) throws Exception {
        return Files.readString(process.log(), StandardCharsets.UTF_8);
    }

    private RegistryClient admin(URI uri, Path dataDir) {
        final RegistryTrust.AdminClient admin = RegistryTrust.admin(uri, dataDir);
        toClose.add(admin);
        return admin.client();
    }

    private WorkloadIdentity identity(List<URI> registries, RegistryClient admin, String trustBundle, String service) {
        final String token = admin.createToken(
                        new IdentityJson.TokenRequest(ServiceName.of(service), Duration.ofMinutes(10), 1))
                .join()
                .token();
        final WorkloadIdentity identity = WorkloadIdentity.builder(registries, service)
                .joinToken(token)
                .trustBundle(trustBundle)
                .build();
        toClose.add(identity);
        return identity;
    }

    @Test
    void killingTheReplicaInUseFailsNoCallAndTheWatchesResumeByIndexOnTheOther() throws Exception {
        final int portA = ExternalProcess.freePort();
        final int portB = ExternalProcess.freePort();
        final ExternalProcess a = replica("a", portA, dirA, List.of());
        replica(
                "b",
                portB,
                dirB,
                List.of(
                        "--ca-cert", dirA.resolve("ca/root-1.crt").toString(),
                        "--ca-key", dirA.resolve("ca/root-1.key").toString()));
        final URI uriA = URI.create("https://127.0.0.1:" + portA);
        final URI uriB = URI.create("https://127.0.0.1:" + portB);
        final List<URI> both = List.of(uriA, uriB);
        final String trustBundle = Files.readString(dirA.resolve("trust-bundle.pem"));
        final RegistryClient adminA = admin(uriA, dirA);
        final RegistryClient adminB = admin(uriB, dirB);

        final MeshServer orders = MeshServer.builder("orders", both)
                .identity(identity(both, adminA, trustBundle, "orders"))
                .port(0)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .stopOnShutdown(false)
                .service("/who", (ctx, req) -> HttpResponse.of(String.valueOf(MeshIdentity.peer(ctx))))
                .build();
        toClose.add(orders);
        orders.start().get(30, TimeUnit.SECONDS);
        final WorkloadIdentity frontendIdentity = identity(both, adminA, trustBundle, "frontend");
        final MeshClient frontend =
                MeshClient.builder(both).identity(frontendIdentity).build();
        toClose.add(frontend);
        assertThat(frontend.webClient(ORDERS).get("/who").aggregate().join().contentUtf8())
                .isEqualTo("spiffe://mesh.local/svc/frontend");
        assertThat(frontend.registryUri()).isEqualTo(uriA);
        final RegistryClient registry = ClientAccess.INTERNALS.get(frontend).registry();
        final RegistryEndpointGroup watch = ClientAccess.INTERNALS
                .get(frontend)
                .endpoints()
                .apply(ORDERS)
                .orElseThrow()
                .registry();
        assertThat(watch).isNotNull();

        final SteadyLoad load = SteadyLoad.start(frontend.webClient(ORDERS), "/who", 4);
        await().atMost(Duration.ofSeconds(10)).until(() -> load.ok() >= 50);
        final long answersBefore = watch.answers();
        final long fullAnswersBefore = watch.fullAnswers();

        a.kill();

        // The server's heartbeats, the client's watches and its calls carry on through B.
        await().atMost(Duration.ofSeconds(30)).until(() -> registry.uri().equals(uriB));
        final long okAfterKill = load.ok();
        await().atMost(Duration.ofSeconds(20)).until(() -> load.ok() >= okAfterKill + 200);
        assertThat(registry.failovers()).isPositive();
        // Resumed by its index: B had nothing newer than what the client held, so it has answered nothing.
        assertThat(watch.answers()).isEqualTo(answersBefore);

        // A change made through the survivor reaches the client, in one answer.
        adminB.register(
                        ORDERS,
                        InstanceId.of("orders-extra"),
                        Registration.builder("127.0.0.1", orders.port())
                                .ttl(Duration.ofSeconds(30))
                                .build())
                .join();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> frontend.endpoints(ORDERS).size() == 2);
        assertThat(watch.answers()).isEqualTo(answersBefore + 1);
        // ...and that answer held only the change (an incremental watch): nothing was fetched in full again.
        assertThat(watch.fullAnswers()).isEqualTo(fullAnswersBefore);
        await().atMost(Duration.ofSeconds(10)).until(orders::isRegistered);

        load.stop();
        assertThat(load.failures()).as("failed calls").isEmpty();
        assertThat(load.ok()).isGreaterThan(okAfterKill + 200);
    }
}
