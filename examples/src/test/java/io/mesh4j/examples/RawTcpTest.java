package io.mesh4j.examples;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.TcpForward;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.internal.registry.TrustJson;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * Raw TCP through the mesh with a real server and its ordinary client: Debian's {@code redis-server}, started on a
 * free loopback port, joins the mesh as the service {@code redis} (a mesh server whose service is a TCP backend), and
 * Jedis talks to it through another member's TCP forward: Jedis -> forward (member "api") -> mTLS -> mesh server
 * (member "redis") -> redis-server.
 */
class RawTcpTest {

    private static final Path REDIS_SERVER = Path.of("/usr/bin/redis-server");
    private static final ServiceName REDIS = ServiceName.of("redis");

    @TempDir
    Path dataDir;

    @TempDir
    Path redisDir;

    private LocalMesh local;
    private RegistryClient admin;
    private ExternalProcess redisServer;
    private InetSocketAddress redisAddress;
    private Jedis direct;

    @BeforeEach
    void start() throws Exception {
        assumeThat(Files.isExecutable(REDIS_SERVER))
                .as("redis-server is installed (apt-get install redis-server, as bin/test does)")
                .isTrue();
        final int port = ExternalProcess.freePort();
        redisServer = ExternalProcess.start(
                List.of(
                        REDIS_SERVER.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        redisDir.toString()),
                redisDir.resolve("redis.log"));
        redisAddress = new InetSocketAddress("127.0.0.1", port);
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                return "PONG".equals(jedis.ping());
            }
        });
        // One connection straight to redis, to read what it saw: every connection through the mesh is another.
        direct = new Jedis("127.0.0.1", port);
        local = LocalMesh.start(dataDir);
        admin = RegistryAccess.ADMIN_CLIENT.get(local.registry());
        // Who may connect to a TCP service: the rules without routes or methods.
        admin.putPolicy(
                        REDIS,
                        PolicyJson.parsePolicy(
                                "{\"rules\": [{\"allowCallers\": [\"api\"]}]}".getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    @AfterEach
    void stop() throws Exception {
        if (local != null) {
            local.close();
        }
        if (direct != null) {
            direct.close();
        }
        if (redisServer != null) {
            redisServer.close();
        }
    }

    private MeshServer redisInstance(String id, InetSocketAddress backend) {
        final MeshServer server = MeshServer.builder("redis", local.uri())
                .identity(local.identity("redis"))
                .instanceId(id)
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ofMillis(500))
                .shutdownTimeout(Duration.ofSeconds(30))
                .tcp(backend)
                .build();
        server.start().join();
        return local.closeLater(server);
    }

    private MeshClient member(String service) {
        return local.closeLater(MeshClient.builder(local.uri())
                .identity(local.identity(service))
                .build());
    }

    @Test
    void jedisSetsAndGetsPipelinesAndSendsLargeValuesThroughTheMesh() throws Exception {
        redisInstance("redis-1", redisAddress);
        final TcpForward forward = member("api").tcpForward("redis");
        assertThat(admin.instances(REDIS).join().instances().get(0).metadata()).containsEntry("protocol", "tcp");

        try (Jedis jedis = jedis(forward)) {
            assertThat(jedis.set("greeting", "hello")).isEqualTo("OK");
            assertThat(jedis.get("greeting")).isEqualTo("hello");

            final String large = "x".repeat(1024 * 1024);
            jedis.set("large", large);
            assertThat(jedis.get("large")).isEqualTo(large);

            final Pipeline pipeline = jedis.pipelined();
            final List<Response<Long>> increments = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                increments.add(pipeline.incr("pipelined"));
            }
            pipeline.sync();
            assertThat(increments.get(999).get()).isEqualTo(1000L);
        }
        assertThat(direct.get("greeting")).isEqualTo("hello");
    }

    @Test
    void manyConnectionsAtOnceEachGetTheirOwnPipe() throws Exception {
        redisInstance("redis-1", redisAddress);
        final TcpForward forward = member("api").tcpForward("redis");
        final ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            final List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 32; c++) {
                final String key = "conn-" + c;
                done.add(threads.submit(() -> {
                    try (Jedis jedis = jedis(forward)) {
                        for (int i = 0; i < 50; i++) {
                            jedis.incr("shared");
                            jedis.rpush(key, Integer.toString(i));
                        }
                        assertThat(jedis.lrange(key, 0, -1))
                                .hasSize(50)
                                .startsWith("0", "1")
                                .endsWith("49");
                    }
                    return null;
                }));
            }
            for (Future<?> each : done) {
                each.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(direct.get("shared")).isEqualTo("1600");
        await().atMost(Duration.ofSeconds(10)).until(() -> forward.openConnections() == 0);
    }

    @Test
    void aCallerThePolicyDoesNotAllowIsClosedBeforeRedisSeesAConnection() throws Exception {
        redisInstance("redis-1", redisAddress);
        final TcpForward allowed = member("api").tcpForward("redis");
        try (Jedis jedis = jedis(allowed)) {
            assertThat(jedis.ping()).isEqualTo("PONG");
        }
        final long connectionsBefore = connectionsReceived();

        final TcpForward refused = member("web").tcpForward("redis");
        // Jedis speaks first (CLIENT SETINFO) as it connects: the closed connection fails it there.
        assertThatThrownBy(() -> {
                    try (Jedis jedis = jedis(refused)) {
                        jedis.set("owned", "by web");
                    }
                })
                .isInstanceOf(JedisConnectionException.class);

        assertThat(connectionsReceived()).isEqualTo(connectionsBefore);
        assertThat(direct.exists("owned")).isFalse();
    }

    @Test
    void aConnectThatFailsIsRetriedOnAnotherInstance() throws Exception {
        redisInstance("redis-1", redisAddress);
        // An instance the registry lists whose port nobody listens on: a crashed process before its TTL ran out.
        final int deadPort = ExternalProcess.freePort();
        admin.register(
                        REDIS,
                        InstanceId.of("redis-dead"),
                        Registration.builder("127.0.0.1", deadPort).build())
                .join();
        final MeshClient api = member("api");
        final TcpForward forward = api.tcpForward("redis");
        await().atMost(Duration.ofSeconds(10)).until(() -> api.endpoints(REDIS).size() == 2);

        for (int i = 0; i < 20; i++) {
            try (Jedis jedis = jedis(forward)) {
                assertThat(jedis.incr("landed")).isEqualTo(i + 1L);
            }
        }
    }

    @Test
    void anInstanceThatLeavesLetsItsOpenConnectionsFinishAndNewOnesGoElsewhere() throws Exception {
        final MeshServer first = redisInstance("redis-1", redisAddress);
        final MeshClient api = member("api");
        final TcpForward forward = api.tcpForward("redis");
        try (Jedis open = jedis(forward)) {
            assertThat(open.ping()).isEqualTo("PONG");
            redisInstance("redis-2", redisAddress);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.endpoints(REDIS).size() == 2);

            final CompletableFuture<Void> stopped = first.stop();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.endpoints(REDIS).size() == 1);
            for (int i = 0; i < 5; i++) {
                try (Jedis fresh = jedis(forward)) {
                    assertThat(fresh.ping()).isEqualTo("PONG");
                }
            }
            // The open connection was on redis-1, or on redis-2; either way it is still served.
            assertThat(open.set("still", "served")).isEqualTo("OK");
            open.close();
            stopped.get(20, TimeUnit.SECONDS);
        }
    }

    @Test
    void endingOneDirectionReachesTheBackendAndTheAnswerStillComesBack() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            // Reads until its peer ends its side, then answers how much it read: only a half-close gets an answer.
            final CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                try (Socket connection = backend.accept();
                        InputStream in = connection.getInputStream();
                        OutputStream out = connection.getOutputStream()) {
                    final int read = in.readAllBytes().length;
                    out.write(("read " + read).getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            redisInstance("counter-1", new InetSocketAddress(InetAddress.getLoopbackAddress(), backend.getLocalPort()));
            final TcpForward forward = member("api").tcpForward("redis");
            try (Socket socket = new Socket(
                    InetAddress.getLoopbackAddress(), forward.address().getPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(new byte[100_000]);
                socket.shutdownOutput();
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .isEqualTo("read 100000");
            }
            served.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aBackendThatStopsReadingStopsTheCallersWritesInsteadOfFillingTheMeshsMemory() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            // Accepts and never reads: whatever the caller sends must wait in socket buffers, not in the mesh.
            final CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return backend.accept();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            redisInstance("sink-1", new InetSocketAddress(InetAddress.getLoopbackAddress(), backend.getLocalPort()));
            final TcpForward forward = member("api").tcpForward("redis");
            final long toWrite = 512L * 1024 * 1024;
            final AtomicLong written = new AtomicLong();
            try (Socket socket = new Socket(
                    InetAddress.getLoopbackAddress(), forward.address().getPort())) {
                final CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                    final byte[] chunk = new byte[64 * 1024];
                    try {
                        while (written.get() < toWrite) {
                            socket.getOutputStream().write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException closedByTheTest) {
                        // The test closes the socket once the writes have stalled.
                    }
                });
                final long[] last = {-1};
                await().pollInterval(Duration.ofMillis(500))
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> {
                            final long now = written.get();
                            final boolean stalled = now > 0 && now == last[0];
                            last[0] = now;
                            return stalled;
                        });
                assertThat(writing).isNotDone();
                // Socket buffers of three hops hold some megabytes; without backpressure the mesh took it all.
                assertThat(written.get()).isLessThan(64L * 1024 * 1024);
            }
            accepted.get(10, TimeUnit.SECONDS).close();
        }
    }

    @Test
    void revokingTheInstancesCertificateClosesTheOpenConnectionsToIt() throws Exception {
        final MeshServer instance = redisInstance("redis-1", redisAddress);
        final TcpForward forward = member("api").tcpForward("redis");
        try (Jedis open = jedis(forward)) {
            assertThat(open.ping()).isEqualTo("PONG");

            admin.revoke(new TrustJson.RevokeRequest(
                            requireNonNull(instance.identity()).id().toString(), null))
                    .join();

            // The forward's sweep closes it: the caller's certificate is still good, so the server keeps it.
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThatThrownBy(open::ping).isInstanceOf(JedisConnectionException.class));
        }
    }

    @Test
    void theReadmesRawTcpCodeWorks() {
        final URI registry = local.uri();
        final WorkloadIdentity redisIdentity = local.identity("redis");
        final WorkloadIdentity apiIdentity = local.identity("api");

        // ---- from the README
        // Next to redis-server: each connection from the mesh is piped to it once its caller is allowed.
        MeshServer redis = MeshServer.builder("redis", registry)
                .identity(redisIdentity)
                .tcp(redisAddress) // where redis-server listens, such as 127.0.0.1:6379
                .maxConnections(512) // one more is closed as it opens; 1024 unless set
                .build();
        redis.start().join(); // registered with the metadata protocol=tcp

        // In the caller: a loopback port whose connections go to an instance of "redis" over mTLS.
        MeshClient mesh = MeshClient.builder(registry).identity(apiIdentity).build();
        TcpForward forward = mesh.tcpForward("redis"); // any free port; tcpForward("redis", 6380) for a fixed one
        try (Jedis jedis =
                new Jedis(forward.address().getHostString(), forward.address().getPort())) {
            jedis.set("greeting", "hello");
        }

        forward.close();
        mesh.close();
        redis.stop().join();
        // ---- end of the README's code

        assertThat(direct.get("greeting")).isEqualTo("hello");
    }

    /** The README's Raw TCP section shows the code between the markers above, word for word. */
    @Test
    void theReadmeShowsTheRawTcpCodeThisTestRuns() throws Exception {
        QuickStartTest.assertReadmeShowsTheCodeOf("## Raw TCP", RawTcpTest.class);
    }

    private static Jedis jedis(TcpForward forward) {
        return new Jedis(forward.address().getHostString(), forward.address().getPort(), 10_000);
    }

    private long connectionsReceived() {
        for (String line : direct.info("stats").split("\r\n")) {
            if (line.startsWith("total_connections_received:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("redis INFO stats has no total_connections_received");
    }
}
