package io.mesh4j.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;

class StackTest {

    /** A layer that writes its role into the path a request takes. */
    private static Layer<UnaryOperator<List<String>>> tracing(String role) {
        return Layer.of(Role.of(role), next -> path -> {
            final List<String> copy = new ArrayList<>(path);
            copy.add(role);
            return next.apply(copy);
        });
    }

    private static List<String> send(Stack<UnaryOperator<List<String>>> stack) {
        return stack.build(path -> path, StackParams.empty()).apply(List.of());
    }

    @Test
    void listedOrderIsTheOrderARequestPassesTheLayers() {
        final Stack<UnaryOperator<List<String>>> stack = Stack.of(tracing("A"), tracing("B"), tracing("C"));

        assertThat(send(stack)).containsExactly("A", "B", "C");
    }

    @Test
    void printsItsRolesInRequestOrder() {
        assertThat(Stack.of(tracing("DEADLINE"), tracing("RETRY"), tracing("BREAKER")))
                .hasToString("Stack[DEADLINE -> RETRY -> BREAKER]");
    }

    @Test
    void insertsReplacesAndRemovesByRoleWithoutChangingTheOriginal() {
        final Stack<UnaryOperator<List<String>>> original = Stack.of(tracing("A"), tracing("C"));

        final Stack<UnaryOperator<List<String>>> changed = original.insertBefore(Role.of("C"), tracing("B"))
                .insertAfter(Role.of("C"), tracing("D"))
                .remove(Role.of("A"))
                .append(tracing("E"));

        assertThat(send(changed)).containsExactly("B", "C", "D", "E");
        assertThat(send(original)).containsExactly("A", "C");
        final Layer<UnaryOperator<List<String>>> quiet = Layer.of(Role.of("C"), next -> next);
        assertThat(send(changed.replace(quiet))).containsExactly("B", "D", "E");
    }

    @Test
    void refusesTwoLayersOfOneRole() {
        assertThatThrownBy(() -> Stack.of(tracing("A"), tracing("A")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("role A appears twice");
    }

    @Test
    void namesTheMissingRoleAndTheStackWhenARoleIsNotThere() {
        assertThatThrownBy(() -> Stack.of(tracing("A")).insertBefore(Role.of("RETRY"), tracing("B")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no layer of role RETRY in [A]");
    }

    @Test
    void rolesAreUpperCaseIdentifiers() {
        assertThatThrownBy(() -> Role.of("retry"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: upper case");
        assertThat(Role.of("RATE_LIMIT")).isEqualTo(ServerRoles.RATE_LIMIT);
    }

    @Test
    void paramsGiveDefaultsAndNameARequiredOneThatIsMissing() {
        final StackParams params = StackParams.empty();

        assertThat(params.get(CommonParams.CLASSIFIER)).isNotNull();
        assertThatThrownBy(() -> params.get(CommonParams.SERVICE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("stack parameter 'service' is not set");
    }
}
