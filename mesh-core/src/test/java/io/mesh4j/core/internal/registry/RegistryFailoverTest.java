package io.mesh4j.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.server.Server;

/**
 * A {@link RegistryClient} given several replicas, against real HTTP servers on loopback that answer as a replica
 * does in trouble: it moves on from a replica that cannot be reached, answers 5xx, or answers a read from stale
 * data; it stays with the one that answered; and while every replica is stale, the stale answer is the answer.
 */
class RegistryFailoverTest {

    private static final String SERVICES = "{\"services\":[]}";

    private final List<Server> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        servers.forEach(Server::closeAsync);
    }

    /** A replica that answers every GET with {@code status}, stale or not, and counts what it was asked. */
    private URI replica(HttpStatus status, boolean stale, AtomicInteger calls) {
        final Server server = Server.builder()
                .localPort(0, SessionProtocol.HTTP)
                .serviceUnder("/", (ctx, req) -> {
                    calls.incrementAndGet();
                    final ResponseHeaders headers = ResponseHeaders.builder(status)
                            .contentType(MediaType.JSON_UTF_8)
                            .set(RegistryAddresses.STALE_HEADER, Boolean.toString(stale))
                            .build();
                    return HttpResponse.of(
                            headers,
                            HttpData.ofUtf8(
                                    status.isSuccess()
                                            ? SERVICES
                                            : "{\"error\":\"unavailable\",\"message\":\"etcd is away\"}"));
                })
                .build();
        server.start().join();
        servers.add(server);
        return URI.create("http://127.0.0.1:" + server.activeLocalPort());
    }

    private static URI nothingListens() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    @Test
    void aReplicaThatCannotBeReachedIsSkippedAndTheOneThatAnswersIsKept() throws Exception {
        final AtomicInteger calls = new AtomicInteger();
        final URI down = nothingListens();
        final URI up = replica(HttpStatus.OK, false, calls);
        final RegistryClient client = RegistryClient.builder(List.of(down, up)).build();

        assertThat(client.services().join()).isEmpty();
        assertThat(client.uri()).isEqualTo(up);
        assertThat(client.failovers()).isEqualTo(1);
        // Sticky: the next calls go straight to the replica that answered.
        client.services().join();
        client.services().join();
        assertThat(client.failovers()).isEqualTo(1);
        assertThat(calls).hasValue(3);
    }

    @Test
    void a503MovesTheCallOnAndAStaleReadIsUsedOnlyWhenNoReplicaIsFresh() {
        final AtomicInteger unavailableCalls = new AtomicInteger();
        final AtomicInteger staleCalls = new AtomicInteger();
        final AtomicInteger freshCalls = new AtomicInteger();
        final URI unavailable = replica(HttpStatus.SERVICE_UNAVAILABLE, false, unavailableCalls);
        final URI stale = replica(HttpStatus.OK, true, staleCalls);
        final URI fresh = replica(HttpStatus.OK, false, freshCalls);

        final RegistryClient toFresh =
                RegistryClient.builder(List.of(unavailable, stale, fresh)).build();
        assertThat(toFresh.services().join()).isEmpty();
        assertThat(toFresh.uri()).isEqualTo(fresh);
        assertThat(unavailableCalls).hasValue(1);
        assertThat(staleCalls).hasValue(1);
        assertThat(freshCalls).hasValue(1);

        // Every replica stale or failing: the stale answer beats none.
        final RegistryClient staleOnly =
                RegistryClient.builder(List.of(stale, unavailable)).build();
        assertThat(staleOnly.services().join()).isEmpty();

        // Every replica failing: the last failure is the call's.
        final RegistryClient failing =
                RegistryClient.builder(List.of(unavailable)).build();
        assertThatThrownBy(() -> failing.services().join())
                .hasCauseInstanceOf(RegistryException.class)
                .hasMessageContaining("etcd is away");
    }

    @Test
    void aListWithNoAddressOrOneTwiceIsRefused() {
        assertThatThrownBy(() -> RegistryClient.builder(List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: at least one");
        final URI one = URI.create("http://127.0.0.1:7070");
        assertThatThrownBy(() -> RegistryClient.builder(List.of(one, one)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("each address once");
        assertThatThrownBy(() -> RegistryClient.builder(List.of(one, URI.create("ftp://127.0.0.1:21"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: http:// or https://");
    }
}
