package io.mesh4j.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.mesh4j.spring.line.BootLine;

class MeshServerLifecycleTest {

    @Test
    void theMeshServerStopsJustBeforeTheWebServersGracefulShutdownOnThisLine() {
        // Written as a number because the class moved in Boot 4; this catches a line that changes it.
        assertThat(MeshServerLifecycle.PHASE).isEqualTo(BootLine.WEB_SERVER_GRACEFUL_SHUTDOWN_PHASE + 1);
    }
}
