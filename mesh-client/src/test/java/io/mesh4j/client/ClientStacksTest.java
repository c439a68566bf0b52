package io.mesh4j.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.client.HttpClient;

import io.mesh4j.core.stack.ClientRoles;
import io.mesh4j.core.stack.Layer;
import io.mesh4j.core.stack.Role;

/** Which layers run per call and which per attempt, said by their roles and held by the client's build. */
class ClientStacksTest {

    private static final URI NOWHERE = URI.create("http://127.0.0.1:1");

    private static Layer<HttpClient> layer(Role role) {
        return Layer.of(role, Function.identity());
    }

    @Test
    void theDefaultStackRunsEverythingAboveRetryPerCallAndTheRestPerAttempt() {
        ClientStacks.checkScopes(ClientStacks.defaults());
        assertThat(ClientStacks.describe(ClientStacks.defaults(), true))
                .isEqualTo("per call: [TRACING + METRICS + ROUTING + FAULTS + DEADLINE] -> HEDGE -> RETRY"
                        + " | per attempt: [BREAKER + LOAD_FEEDBACK] -> mTLS (server's SPIFFE ID checked)");
    }

    @Test
    void aPerCallLayerBelowRetryFailsTheBuildSayingWhereItBelongs() {
        final MeshClientBuilder builder = MeshClient.builder(NOWHERE)
                .plaintext()
                .stack(stack -> stack.insertAfter(ClientRoles.RETRY, layer(Role.of("AUDIT"))));
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AUDIT runs per call, but stands below RETRY")
                .hasMessageContaining("Role.perAttempt");
    }

    @Test
    void aPerAttemptLayerAboveRetryFailsTheBuild() {
        final MeshClientBuilder builder = MeshClient.builder(NOWHERE)
                .plaintext()
                .stack(stack -> stack.insertBefore(ClientRoles.RETRY, layer(Role.perAttempt("AUDIT"))));
        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AUDIT runs per attempt, but stands above RETRY");
    }

    @Test
    void aPerAttemptLayerBelowRetryIsPrintedAmongTheAttemptsPart() {
        try (MeshClient mesh = MeshClient.builder(NOWHERE)
                .plaintext()
                .stack(stack -> stack.append(layer(Role.perAttempt("AUDIT"))))
                .build()) {
            assertThat(mesh.describeStack())
                    .endsWith("RETRY | per attempt: [BREAKER] -> AUDIT -> [LOAD_FEEDBACK] -> plaintext");
        }
    }

    @Test
    void withoutRetryACallIsOneAttemptAndPerAttemptLayersStillComeLast() {
        ClientStacks.checkScopes(ClientStacks.defaults().remove(ClientRoles.RETRY));
        assertThat(ClientStacks.describe(ClientStacks.defaults().remove(ClientRoles.RETRY), false))
                .isEqualTo("per call: [TRACING + METRICS + ROUTING + FAULTS + DEADLINE] -> HEDGE"
                        + " | per attempt: [BREAKER + LOAD_FEEDBACK] -> plaintext");
        assertThatThrownBy(() -> ClientStacks.checkScopes(
                        ClientStacks.defaults().remove(ClientRoles.RETRY).append(layer(Role.of("AUDIT")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AUDIT runs per call, but stands below a per-attempt layer");
    }
}
