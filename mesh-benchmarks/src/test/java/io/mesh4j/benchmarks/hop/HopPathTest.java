package io.mesh4j.benchmarks.hop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@code --paths} takes a path by its letter or its name, and says what it takes when given neither. */
class HopPathTest {

    @Test
    void takesAPathByItsLetterOrItsName() {
        assertThat(HopPath.ofLetter("c")).isEqualTo(HopPath.MESH);
        assertThat(HopPath.ofLetter("F")).isEqualTo(HopPath.GRPC_MESH);
        assertThat(HopPath.ofLetter("grpc-raw")).isEqualTo(HopPath.GRPC_RAW);
        assertThat(HopPath.ofLetter("tcp-mesh")).isEqualTo(HopPath.TCP_MESH);
        assertThat(HopPath.ofLetter("tls")).isEqualTo(HopPath.TLS);
    }

    @Test
    void comparesEachMeshPathWithTheRawPathOfItsProtocol() {
        assertThat(HopPath.MESH.raw()).isEqualTo(HopPath.TLS);
        assertThat(HopPath.GRPC_MESH.raw()).isEqualTo(HopPath.GRPC_RAW);
        assertThat(HopPath.TCP_MESH.raw()).isEqualTo(HopPath.TCP_RAW);
        assertThat(HopPath.TCP_RAW.raw()).isNull();
    }

    @Test
    void refusesAnUnknownPathSayingWhatItTakes() {
        assertThatThrownBy(() -> HopPath.ofLetter("grpc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("path: grpc")
                .hasMessageContaining("grpc-raw, grpc-mesh, tcp-raw, tcp-mesh");
    }
}
