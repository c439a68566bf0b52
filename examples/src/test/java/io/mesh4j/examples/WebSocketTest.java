package io.mesh4j.examples;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.ClientTlsConfig;
import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.websocket.WebSocketClient;
import com.linecorp.armeria.client.websocket.WebSocketClientHandshakeException;
import com.linecorp.armeria.client.websocket.WebSocketSession;
import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.TlsKeyPair;
import com.linecorp.armeria.common.TlsProvider;
import com.linecorp.armeria.common.websocket.CloseWebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocket;
import com.linecorp.armeria.common.websocket.WebSocketCloseStatus;
import com.linecorp.armeria.common.websocket.WebSocketFrame;
import com.linecorp.armeria.common.websocket.WebSocketFrameType;
import com.linecorp.armeria.common.websocket.WebSocketWriter;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.websocket.WebSocketService;
import com.linecorp.armeria.server.websocket.WebSocketServiceHandler;

import io.mesh4j.client.MeshClient;
import io.mesh4j.client.MeshWebSocket;
import io.mesh4j.client.MeshWebSocketClient;
import io.mesh4j.client.NoEndpointException;
import io.mesh4j.client.discovery.Discovery;
import io.mesh4j.client.discovery.PeerTransport;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.identity.WorkloadIdentity;
import io.mesh4j.core.internal.registry.PolicyJson;
import io.mesh4j.core.telemetry.MeshTelemetry;
import io.mesh4j.core.telemetry.TelemetryConfig;
import io.mesh4j.registry.internal.RegistryAccess;
import io.mesh4j.server.MeshServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;

/**
 * WebSocket through the mesh with real members on loopback: a registry with its CA, the service {@code chat} served
 * by mesh servers over mTLS, and callers that connect by the service's name with {@code MeshClient.webSocketClient}.
 */
class WebSocketTest {

    private static final ServiceName CHAT = ServiceName.of("chat");

    @TempDir
    Path dataDir;

    @TempDir
    Path otherDataDir;

    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private LocalMesh local;
    private MeshTelemetry telemetry;

    @BeforeEach
    void start() {
        local = LocalMesh.start(dataDir);
        telemetry = local.closeLater(MeshTelemetry.of(TelemetryConfig.builder()
                .serviceName("chat")
                .spanExporter(spans)
                .build()));
        RegistryAccess.ADMIN_CLIENT
                .get(local.registry())
                .putPolicy(
                        CHAT,
                        PolicyJson.parsePolicy(
                                "{\"rules\": [{\"allowCallers\": [\"api\"]}]}".getBytes(StandardCharsets.UTF_8)))
                .join();
    }

    @AfterEach
    void stop() throws Exception {
        if (local != null) {
            local.close();
        }
    }

    @Test
    void aCallerEchoesMessagesOverMeshMtlsAndTheServerCountsThem() throws Exception {
        final MeshServer chat = chatInstance("chat-1", Duration.ofMillis(200), echo(new ConcurrentLinkedQueue<>()));
        final MeshWebSocketClient client = member("api").webSocketClient("chat");

        // Connected from within a span of the caller's, whose trace the upgrade carries.
        final Span caller = telemetry.tracer().spanBuilder("caller").startSpan();
        final MeshWebSocket socket;
        try (Scope ignored = caller.makeCurrent()) {
            socket = client.connect("/echo").get(10, TimeUnit.SECONDS);
        } finally {
            caller.end();
        }
        final Received received = Received.from(socket.inbound());
        for (int i = 0; i < 3; i++) {
            socket.outbound().write("hello " + i);
            assertThat(received.next()).isEqualTo("ack:hello " + i);
        }
        assertThat(socket.endpoint().port()).isEqualTo(chat.port());
        assertThat(client.openConnections()).isEqualTo(1);
        assertThat(openOnServer()).isEqualTo(1);
        assertThat(messages("in")).isEqualTo(3);
        assertThat(messages("out")).isEqualTo(3);
        // The caller's side counts the same connection and messages, each way as it sees them.
        assertThat(openOnClient()).isEqualTo(1);
        assertThat(clientMessages("out")).isEqualTo(3);
        assertThat(clientMessages("in")).isEqualTo(3);

        socket.outbound().close(WebSocketCloseStatus.NORMAL_CLOSURE, "done");
        await().atMost(Duration.ofSeconds(10)).until(() -> openOnServer() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> client.openConnections() == 0);
        await().atMost(Duration.ofSeconds(10)).until(() -> closes("1000", "client") == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> clientCloses("1000", "client") == 1);
        assertThat(openOnClient()).isEqualTo(0);
        // The upgrade passed the inbound stack: it has a server span, and is a request in the golden metrics.
        // Over HTTP/2 the upgrade is an extended CONNECT (RFC 8441), over HTTP/1.1 a GET.
        await().atMost(Duration.ofSeconds(10)).until(() -> serverSpan("/echo") != null);
        final SpanData span = requireNonNull(serverSpan("/echo"));
        assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
        // The caller's client span of the connection is the server span's parent, and a child of the caller's.
        await().atMost(Duration.ofSeconds(10)).until(() -> clientSpans("/echo").size() == 1);
        final SpanData clientSpan = clientSpans("/echo").get(0);
        assertThat(clientSpan.getParentSpanId())
                .isEqualTo(caller.getSpanContext().getSpanId());
        assertThat(span.getParentSpanId()).isEqualTo(clientSpan.getSpanId());
        assertThat(clientSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
        assertThat(clientSpan.getAttributes().get(AttributeKey.stringKey("peer.service")))
                .isEqualTo("chat");
        assertThat(clientSpan.getAttributes().get(AttributeKey.stringKey("mesh.instance")))
                .isEqualTo("chat-1");
        assertThat(clientSpan.getAttributes().get(AttributeKey.longKey("server.port")))
                .isEqualTo((long) chat.port());
        assertThat(clientSpan.getAttributes().get(AttributeKey.longKey("mesh.websocket.close_code")))
                .isEqualTo(1000L);
        assertThat(clientSpan.getAttributes().get(AttributeKey.stringKey("mesh.websocket.closed_by")))
                .isEqualTo("client");
        // It lasted as long as the connection: it ended after the server's span began.
        assertThat(clientSpan.getEndEpochNanos()).isGreaterThanOrEqualTo(span.getStartEpochNanos());
        assertThat(span.getAttributes().get(AttributeKey.longKey("mesh.websocket.close_code")))
                .isEqualTo(1000L);
        assertThat(span.getAttributes().get(AttributeKey.stringKey("mesh.websocket.closed_by")))
                .isEqualTo("client");
        assertThat(telemetry
                        .meterRegistry()
                        .find("mesh.server.requests")
                        .tag("route", "/echo")
                        .timers())
                .isNotEmpty();
    }

    @Test
    void aServiceOutsideTheMeshIsReachedInPlaintextOnlyWhereItsTransportSaysSo() throws Exception {
        // A WebSocket server that is no member: plain HTTP, no certificate, found through a static list.
        final Server legacy = Server.builder()
                .http(0)
                .service("/echo", WebSocketService.of(echo(new ConcurrentLinkedQueue<>())))
                .connectionDrainDuration(Duration.ZERO)
                .build();
        legacy.start().join();
        final String address = "127.0.0.1:" + legacy.activeLocalPort();
        try {
            final MeshClient api = local.closeLater(MeshClient.builder(local.uri())
                    .identity(local.identity("api"))
                    .telemetry(telemetry)
                    .discovery("legacy-chat", Discovery.staticList(address), PeerTransport.PLAINTEXT)
                    // The same address, its transport not said: taken for a member, so mTLS, which it cannot answer.
                    .discovery("unsaid", Discovery.staticList(address))
                    .build());

            final MeshWebSocket socket =
                    api.webSocketClient("legacy-chat").connect("/echo").get(10, TimeUnit.SECONDS);
            final Received received = Received.from(socket.inbound());
            socket.outbound().write("hello");
            assertThat(received.next()).isEqualTo("ack:hello");
            socket.outbound().close(WebSocketCloseStatus.NORMAL_CLOSURE, "done");

            assertThatThrownBy(
                            () -> api.webSocketClient("unsaid").connect("/echo").get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class);
        } finally {
            legacy.stop().join();
        }
    }

    @Test
    void theClientPingsAnIdleConnectionAndTheServerAnswersPings() throws Exception {
        // A plain Armeria WebSocket route beside the mesh's, behind the same stack: its handler sees the pings.
        final Queue<WebSocketFrameType> seenByRaw = new ConcurrentLinkedQueue<>();
        final MeshServer chat = MeshServer.builder("chat", local.uri())
                .identity(local.identity("chat"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .telemetry(telemetry)
                .webSocket("/echo", echo(new ConcurrentLinkedQueue<>()))
                .armeria(sb -> sb.service("/raw", WebSocketService.of((ctx, in) -> {
                    eachFrame(in, frame -> seenByRaw.add(frame.type()));
                    return WebSocket.streaming();
                })))
                .build();
        local.closeLater(chat).start().join();
        final MeshClient api = local.closeLater(MeshClient.builder(local.uri())
                .identity(local.identity("api"))
                .webSocketPingInterval(Duration.ofMillis(100))
                .build());

        api.webSocketClient("chat").connect("/raw").get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> seenByRaw.stream()
                                .filter(WebSocketFrameType.PING::equals)
                                .count()
                        >= 3);

        // The mesh server answers a ping itself, whatever its handler does.
        final WebSocketSession session = direct(local.identity("api").keyPair(), chat.port())
                .connect("/echo")
                .get(10, TimeUnit.SECONDS);
        final Queue<WebSocketFrameType> seenByCaller = new ConcurrentLinkedQueue<>();
        eachFrame(session.inbound(), frame -> seenByCaller.add(frame.type()));
        final WebSocketWriter outbound = session.outbound();
        outbound.writePing();
        await().atMost(Duration.ofSeconds(10)).until(() -> seenByCaller.contains(WebSocketFrameType.PONG));
        outbound.close();
    }

    @Test
    void aCallerThePolicyDoesNotAllowGetsARefusedUpgradeAndItIsCounted() throws Exception {
        final AtomicInteger sessions = new AtomicInteger();
        chatInstance("chat-1", Duration.ofMillis(200), counting(sessions));
        final MeshClient intruder = member("intruder");

        assertThatThrownBy(
                        () -> intruder.webSocketClient("chat").connect("/echo").join())
                .hasCauseInstanceOf(WebSocketClientHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketClientHandshakeException) e.getCause())
                                .headers()
                                .status())
                        .isEqualTo(HttpStatus.FORBIDDEN));
        // The same refusal says why, to a caller that reads the body.
        final AggregatedHttpResponse refused =
                intruder.webClient("chat").get("/echo").aggregate().join();
        assertThat(refused.status()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(refused.contentUtf8()).contains("intruder may not call GET /echo of chat");

        assertThat(sessions).hasValue(0);
        // The refused connect is a failed one on the caller's side: counted as refused, its client span an error.
        assertThat(connectFailures("refused")).isEqualTo(1);
        final SpanData refusedSpan = clientSpans("/echo").get(0);
        assertThat(refusedSpan.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(refusedSpan.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
                .isEqualTo(403L);
        assertThat(refusedSpan.getAttributes().get(AttributeKey.stringKey("error.type")))
                .isEqualTo("403");
        assertThat(telemetry
                        .meterRegistry()
                        .find("mesh.server.authz.decisions")
                        .tag("route", "/echo")
                        .tag("decision", "deny")
                        .counter())
                .isNotNull()
                .satisfies(counter -> assertThat(counter.count()).isEqualTo(2));
        // A caller the policy allows gets its connection.
        member("api").webSocketClient("chat").connect("/echo").get(10, TimeUnit.SECONDS);
        assertThat(sessions).hasValue(1);
    }

    @Test
    void aPlaintextConnectionOrACertificateOfAnotherCaIsRefusedAtTheHandshake() throws Exception {
        final AtomicInteger sessions = new AtomicInteger();
        final MeshServer chat = chatInstance("chat-1", Duration.ofMillis(200), counting(sessions));
        try (LocalMesh other = LocalMesh.start(otherDataDir)) {
            final TlsKeyPair foreign = other.identity("api").keyPair();

            assertThatThrownBy(() -> WebSocketClient.of("ws://127.0.0.1:" + chat.port())
                            .connect("/echo")
                            .join())
                    .isInstanceOf(CompletionException.class);
            assertThatThrownBy(
                            () -> direct(foreign, chat.port()).connect("/echo").join())
                    .isInstanceOf(CompletionException.class);
        }
        assertThat(sessions).hasValue(0);
        // The same client with a certificate of this mesh's CA is let in: it was the certificate that was refused.
        direct(local.identity("api").keyPair(), chat.port()).connect("/echo").get(10, TimeUnit.SECONDS);
        assertThat(sessions).hasValue(1);
    }

    @Test
    void anInstanceThatCannotProveItIsChatIsPassedOverForOneThatCan() throws Exception {
        // A workload of another service at an address the registry lists for chat: a stale entry, or an impostor.
        final AtomicInteger impostorSessions = new AtomicInteger();
        final MeshServer impostor = impostorListedAsChat(counting(impostorSessions));
        final MeshServer chat = chatInstance("chat-1", Duration.ZERO, echo(new ConcurrentLinkedQueue<>()));
        final MeshClient api = member("api");
        final MeshWebSocketClient client = api.webSocketClient("chat");
        await().atMost(Duration.ofSeconds(10)).until(() -> api.endpoints(CHAT).size() == 2);

        // The impostor has no connection open, so the balancer favours it: each time, its handshake fails the
        // check of chat's SPIFFE ID and the connection goes to the real instance.
        final List<MeshWebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sockets.add(client.connect("/echo").get(10, TimeUnit.SECONDS));
        }
        assertThat(sockets)
                .allSatisfy(socket -> assertThat(socket.endpoint().port()).isEqualTo(chat.port()));
        assertThat(impostorSessions).hasValue(0);
        // Each failed handshake counts against the impostor in the breaker its calls would be judged in, so it ends
        // up ejected and connects stop trying it. (How many connects that takes depends on how often the random pick
        // offered it: its breaker opens after 5 failures in a row.)
        for (int i = 0; i < 50 && api.ejected(CHAT).isEmpty(); i++) {
            sockets.add(client.connect("/echo").get(10, TimeUnit.SECONDS));
        }
        assertThat(api.ejected(CHAT)).extracting(Endpoint::port).containsExactly(impostor.port());
        assertThat(sockets)
                .allSatisfy(socket -> assertThat(socket.endpoint().port()).isEqualTo(chat.port()));
        sockets.forEach(socket -> socket.outbound().close());
    }

    @Test
    void aConnectThatOpensNoConnectionIsCountedByWhyAndItsClientSpanIsAnError() throws Exception {
        final MeshClient api = member("api");
        final MeshWebSocketClient client = api.webSocketClient("chat");

        // No instance of chat at all: after waiting for one, unavailable.
        assertThatThrownBy(() -> client.connect("/echo").get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(NoEndpointException.class);
        assertThat(connectFailures("unavailable")).isEqualTo(1);

        // Only a workload of another service where the registry lists chat: every handshake fails the check of
        // chat's SPIFFE ID, and the connect fails for TLS, not for want of an instance.
        impostorListedAsChat(echo(new ConcurrentLinkedQueue<>()));
        await().atMost(Duration.ofSeconds(10)).until(() -> api.endpoints(CHAT).size() == 1);
        assertThatThrownBy(() -> client.connect("/echo").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
        assertThat(connectFailures("tls")).isEqualTo(1);
        assertThat(connectFailures("unavailable")).isEqualTo(1);

        final List<SpanData> failed = clientSpans("/echo");
        assertThat(failed).hasSize(2).allSatisfy(span -> {
            assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type")))
                    .isEqualTo(NoEndpointException.class.getName());
        });
        // The second tried the impostor: its attempt is an event naming the instance and the handshake's error.
        assertThat(failed.get(1).getEvents()).anySatisfy(event -> {
            assertThat(event.getName()).isEqualTo("attempt");
            assertThat(event.getAttributes().get(AttributeKey.stringKey("mesh.instance")))
                    .isEqualTo("chat-impostor");
            assertThat(event.getAttributes().get(AttributeKey.stringKey("error.type")))
                    .isNotNull();
        });
        assertThat(openOnClient()).isEqualTo(0);
    }

    @Test
    void aConnectToAnInstanceThatIsNotListeningFailsForIo() throws Exception {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        RegistryAccess.ADMIN_CLIENT
                .get(local.registry())
                .register(
                        CHAT,
                        InstanceId.of("chat-gone"),
                        Registration.builder("127.0.0.1", closedPort).build())
                .join();
        final MeshClient api = member("api");
        final MeshWebSocketClient client = api.webSocketClient("chat");
        await().atMost(Duration.ofSeconds(10)).until(() -> api.endpoints(CHAT).size() == 1);

        assertThatThrownBy(() -> client.connect("/echo").get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class);
        assertThat(connectFailures("io")).isEqualTo(1);
        assertThat(connectFailures("tls") + connectFailures("unavailable") + connectFailures("refused"))
                .isZero();
    }

    /**
     * Two instances; three callers on the first, each sending numbered messages and waiting for each one's
     * acknowledgement. The first instance drains: it refuses new upgrades with 503 at once, and at the end of its
     * drain period closes its connections with 1001. The callers reconnect through the mesh, which sends them to the
     * other instance, and resend what was not acknowledged: every acknowledged message reached a server.
     */
    @Test
    void callersOfADrainingInstanceMoveToAnotherWithoutLosingAnAcknowledgedMessage() throws Exception {
        final Queue<String> delivered = new ConcurrentLinkedQueue<>();
        final MeshServer first = chatInstance("chat-1", Duration.ofSeconds(2), echo(delivered));
        final int firstPort = first.port();
        int secondPort = -1;
        final MeshClient api = member("api");
        final MeshWebSocketClient client = api.webSocketClient("chat");
        final List<Sender> senders = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            senders.add(new Sender("caller" + i, client));
        }
        final ExecutorService threads = Executors.newFixedThreadPool(senders.size());
        try {
            final List<Future<?>> running = new ArrayList<>();
            for (Sender sender : senders) {
                running.add(threads.submit(sender));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> senders.stream().allMatch(s -> s.acked.size() >= 5));
            assertThat(senders).allSatisfy(s -> assertThat(s.ports).containsExactly(first.port()));

            final MeshServer second = chatInstance("chat-2", Duration.ofSeconds(2), echo(delivered));
            secondPort = second.port();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> api.endpoints(CHAT).size() == 2);
            final CompletableFuture<Void> stopped = first.stop();
            // Draining: a new upgrade to the first instance is refused at once, by a caller the policy allows.
            assertThatThrownBy(() -> direct(local.identity("api").keyPair(), first.port())
                            .connect("/echo")
                            .join())
                    .satisfies(e -> assertThat(((WebSocketClientHandshakeException) e.getCause())
                                    .headers()
                                    .status())
                            .isEqualTo(HttpStatus.SERVICE_UNAVAILABLE));
            stopped.get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> senders.stream().allMatch(s -> s.ports.contains(second.port())));
            final int ackedAfterMove =
                    senders.stream().mapToInt(s -> s.acked.size()).sum();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> senders.stream().mapToInt(s -> s.acked.size()).sum() >= ackedAfterMove + 15);
            senders.forEach(Sender::finish);
            for (Future<?> each : running) {
                each.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        for (Sender sender : senders) {
            assertThat(sender.closeCodes).as(sender.name + "'s closes").containsExactly(1001);
            // Its one reconnect went to the instance that stays, never back to the draining one.
            assertThat(sender.ports).as(sender.name + "'s connections").containsExactly(firstPort, secondPort);
            assertThat(delivered).as(sender.name + "'s acknowledged messages").containsAll(sender.acked);
        }
        assertThat(closes("1001", "server")).isEqualTo(3);
    }

    @Test
    void theBuildersSayWhatIsWrongWithAWebSocketSetting() {
        final WebSocketServiceHandler handler = (ctx, in) -> in;
        assertThatThrownBy(() -> MeshServer.builder("chat", local.uri()).webSocket("echo", handler))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: an absolute path");
        assertThatThrownBy(() -> MeshServer.builder("chat", local.uri())
                        .webSocket("/echo", handler)
                        .webSocket("/echo", handler))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one WebSocket endpoint per path");
        assertThatThrownBy(() -> MeshServer.builder("chat", local.uri())
                        .identity(local.identity("chat"))
                        .tcp(new InetSocketAddress("127.0.0.1", 6379))
                        .webSocket("/echo", handler)
                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("webSocket(..)");
        assertThatThrownBy(() -> MeshClient.builder(local.uri()).webSocketPingInterval(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: 0 for no pings, or >= 100 ms");
        assertThatThrownBy(() -> member("api").webSocketClient("chat").connect("echo"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: an absolute path");
    }

    @Test
    void theReadmesWebSocketCodeWorks() {
        final URI registry = local.uri();
        final WorkloadIdentity chatIdentity = local.identity("chat");
        final WorkloadIdentity apiIdentity = local.identity("api");

        // ---- from the README
        // The service: a WebSocket endpoint whose handler sends back every frame it is sent.
        MeshServer chat = MeshServer.builder("chat", registry)
                .identity(chatIdentity)
                .webSocket("/echo", (ctx, in) -> in) // an Armeria WebSocketServiceHandler
                .build();
        chat.start().join();

        // The caller: a connection to an instance of "chat", over mTLS, pinged after 30 s without a frame.
        MeshClient mesh = MeshClient.builder(registry).identity(apiIdentity).build();
        MeshWebSocket socket = mesh.webSocketClient("chat").connect("/echo").join();
        socket.outbound().write("hello");
        socket.outbound().close();
        List<WebSocketFrame> answer = socket.inbound().collect().join(); // "hello", then the close frame

        mesh.close();
        chat.stop().join();
        // ---- end of the README's code

        assertThat(answer).hasSize(2);
        assertThat(answer.get(0).text()).isEqualTo("hello");
        assertThat(answer.get(1)).isInstanceOf(CloseWebSocketFrame.class);
    }

    /** The README's WebSocket section shows the code between the markers above, word for word. */
    @Test
    void theReadmeShowsTheWebSocketCodeThisTestRuns() throws Exception {
        QuickStartTest.assertReadmeShowsTheCodeOf("## WebSocket", WebSocketTest.class);
    }

    /** A workload of another service, listed in the registry as an instance of chat. */
    private MeshServer impostorListedAsChat(WebSocketServiceHandler handler) {
        final MeshServer impostor = local.closeLater(MeshServer.builder("impostor", local.uri())
                .identity(local.identity("impostor"))
                .advertisedHost("127.0.0.1")
                .drainPeriod(Duration.ZERO)
                .webSocket("/echo", handler)
                .build());
        impostor.start().join();
        RegistryAccess.ADMIN_CLIENT
                .get(local.registry())
                .register(
                        CHAT,
                        InstanceId.of("chat-impostor"),
                        Registration.builder("127.0.0.1", impostor.port()).build())
                .join();
        return impostor;
    }

    private MeshServer chatInstance(String id, Duration drainPeriod, WebSocketServiceHandler handler) {
        final MeshServer server = MeshServer.builder("chat", local.uri())
                .identity(local.identity("chat"))
                .instanceId(id)
                .advertisedHost("127.0.0.1")
                .drainPeriod(drainPeriod)
                .telemetry(telemetry)
                .webSocket("/echo", handler)
                .build();
        server.start().join();
        return local.closeLater(server);
    }

    private MeshClient member(String service) {
        return local.closeLater(MeshClient.builder(local.uri())
                .identity(local.identity(service))
                .telemetry(telemetry)
                .build());
    }

    /** A WebSocket client straight to one port, presenting {@code keyPair} and trusting any server. */
    private WebSocketClient direct(@Nullable TlsKeyPair keyPair, int port) {
        final TlsProvider presented = new TlsProvider() {
            @Override
            public @Nullable TlsKeyPair keyPair(String hostname) {
                return keyPair;
            }
        };
        final ClientFactory factory = local.closeLater(ClientFactory.builder()
                .tlsProvider(
                        presented,
                        ClientTlsConfig.builder()
                                .tlsCustomizer(tls -> tls.trustManager(InsecureTrustManagerFactory.INSTANCE))
                                .build())
                .build());
        return WebSocketClient.builder("wss://127.0.0.1:" + port)
                .factory(factory)
                .build();
    }

    /** Records each text message as delivered, then acknowledges it; closes when the caller closes. */
    private static WebSocketServiceHandler echo(Queue<String> delivered) {
        return (ctx, in) -> {
            final WebSocketWriter out = WebSocket.streaming();
            in.subscribe(new Subscriber<WebSocketFrame>() {
                @Override
                public void onSubscribe(Subscription subscription) {
                    subscription.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(WebSocketFrame frame) {
                    if (frame.type() == WebSocketFrameType.TEXT) {
                        delivered.add(frame.text());
                        final boolean unused = out.tryWrite("ack:" + frame.text());
                    }
                }

                @Override
                public void onError(Throwable cause) {
                    out.close(cause);
                }

                @Override
                public void onComplete() {
                    out.close();
                }
            });
            return out;
        };
    }

    private static void eachFrame(WebSocket frames, Consumer<WebSocketFrame> action) {
        frames.subscribe(new Subscriber<WebSocketFrame>() {
            @Override
            public void onSubscribe(Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(WebSocketFrame frame) {
                action.accept(frame);
            }

            @Override
            public void onError(Throwable cause) {}

            @Override
            public void onComplete() {}
        });
    }

    private static WebSocketServiceHandler counting(AtomicInteger sessions) {
        final WebSocketServiceHandler echo = echo(new ConcurrentLinkedQueue<>());
        return (ctx, in) -> {
            sessions.incrementAndGet();
            return echo.handle(ctx, in);
        };
    }

    private double openOnServer() {
        final Gauge gauge = telemetry
                .meterRegistry()
                .find("mesh.server.websocket.connections.active")
                .tag("service", "chat")
                .tag("route", "/echo")
                .gauge();
        return gauge != null ? gauge.value() : 0;
    }

    private double messages(String direction) {
        final Counter counter = telemetry
                .meterRegistry()
                .find("mesh.server.websocket.messages")
                .tag("route", "/echo")
                .tag("direction", direction)
                .counter();
        return counter != null ? counter.count() : 0;
    }

    private double closes(String code, String by) {
        final Counter counter = telemetry
                .meterRegistry()
                .find("mesh.server.websocket.closes")
                .tag("route", "/echo")
                .tag("code", code)
                .tag("by", by)
                .counter();
        return counter != null ? counter.count() : 0;
    }

    private double openOnClient() {
        final Gauge gauge = telemetry
                .meterRegistry()
                .find("mesh.client.websocket.connections.active")
                .tag("service", "chat")
                .tag("route", "/echo")
                .gauge();
        return gauge != null ? gauge.value() : 0;
    }

    private double clientMessages(String direction) {
        return count("mesh.client.websocket.messages", "direction", direction);
    }

    private double clientCloses(String code, String by) {
        final Counter counter = telemetry
                .meterRegistry()
                .find("mesh.client.websocket.closes")
                .tag("service", "chat")
                .tag("route", "/echo")
                .tag("code", code)
                .tag("by", by)
                .counter();
        return counter != null ? counter.count() : 0;
    }

    private double connectFailures(String reason) {
        return count("mesh.client.websocket.connect.failures", "reason", reason);
    }

    private double count(String meter, String tag, String value) {
        final Counter counter = telemetry
                .meterRegistry()
                .find(meter)
                .tag("service", "chat")
                .tag("route", "/echo")
                .tag(tag, value)
                .counter();
        return counter != null ? counter.count() : 0;
    }

    /** The client spans of WebSocket connects to {@code path}, in the order they ended. */
    private List<SpanData> clientSpans(String path) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getKind() == SpanKind.CLIENT)
                .filter(span -> path.equals(span.getAttributes().get(AttributeKey.stringKey("url.template"))))
                .toList();
    }

    private @Nullable SpanData serverSpan(String route) {
        return spans.getFinishedSpanItems().stream()
                .filter(span -> route.equals(span.getAttributes().get(AttributeKey.stringKey("http.route"))))
                .findFirst()
                .orElse(null);
    }

    /** What a caller reads: text messages in order, and the close code of the server's close frame. */
    private static final class Received implements Subscriber<WebSocketFrame> {

        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        static Received from(WebSocket inbound) {
            final Received received = new Received();
            inbound.subscribe(received);
            return received;
        }

        /** The next text message, or null once the connection closed without one. */
        @Nullable
        String next() throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                final @Nullable String text = texts.poll(50, TimeUnit.MILLISECONDS);
                if (text != null) {
                    return text;
                }
                if (closed.isDone()) {
                    return texts.poll();
                }
            }
            throw new AssertionError("no message within 10 s");
        }

        @Override
        public void onSubscribe(Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(WebSocketFrame frame) {
            if (frame instanceof CloseWebSocketFrame close) {
                closed.complete(close.status().code());
            } else if (frame.type() == WebSocketFrameType.TEXT) {
                texts.add(frame.text());
            }
        }

        @Override
        public void onError(Throwable cause) {
            closed.complete(-1);
        }

        @Override
        public void onComplete() {
            closed.complete(-1);
        }
    }

    /**
     * A caller that sends numbered messages one at a time, each resent on a new connection until it is
     * acknowledged: its own reconnect logic, with the mesh choosing where each connection goes.
     */
    private static final class Sender implements Runnable {

        final String name;
        final MeshWebSocketClient client;
        final Set<String> acked = ConcurrentHashMap.newKeySet();
        final Queue<Integer> ports = new ConcurrentLinkedQueue<>();
        final Queue<Integer> closeCodes = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean finishing = new AtomicBoolean();

        Sender(String name, MeshWebSocketClient client) {
            this.name = name;
            this.client = client;
        }

        void finish() {
            finishing.set(true);
        }

        @Override
        public void run() {
            int next = 0;
            try {
                while (!finishing.get()) {
                    final MeshWebSocket socket = client.connect("/echo").get(10, TimeUnit.SECONDS);
                    ports.add(socket.endpoint().port());
                    final Received received = Received.from(socket.inbound());
                    while (!finishing.get()) {
                        final String message = name + '-' + next;
                        if (!socket.outbound().tryWrite(message)) {
                            break;
                        }
                        final @Nullable String ack = received.next();
                        if (ack == null) {
                            break; // closed before the acknowledgement: resend it on the next connection
                        }
                        assertThat(ack).isEqualTo("ack:" + message);
                        acked.add(message);
                        next++;
                        // Pacing, not a wait: a few hundred messages a second keep the two cores for the servers.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
                    }
                    if (received.closed.isDone()) {
                        closeCodes.add(received.closed.join());
                    } else {
                        socket.outbound().close();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(name + " failed", e);
            }
        }
    }
}
