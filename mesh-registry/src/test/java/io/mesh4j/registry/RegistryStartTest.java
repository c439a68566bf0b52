package io.mesh4j.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What stops a registry from starting says what to change, and leaves nothing held behind. */
class RegistryStartTest {

    @TempDir
    Path dir;

    @Test
    void aSecondRegistryOnTheSameDataDirectoryFailsNamingIt() {
        try (MeshRegistry first = RegistryContractTest.start(dir)) {
            assertThatThrownBy(() -> RegistryContractTest.start(dir))
                    .isInstanceOf(RegistryStartException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("in use by another registry");
            assertThat(first.port()).isPositive();
        }
    }

    @Test
    void aTakenPortFailsSayingSoAndReleasesTheDataDirectory() {
        try (MeshRegistry first = RegistryContractTest.start(dir.resolve("first"))) {
            final MeshRegistry second = MeshRegistry.builder()
                    .plaintext()
                    .host("127.0.0.1")
                    .port(first.port())
                    .dataDir(dir.resolve("second"))
                    .build();

            assertThatThrownBy(second::start)
                    .isInstanceOf(RegistryStartException.class)
                    .hasMessageContaining("port " + first.port())
                    .hasMessageContaining("in use");
        }
        RegistryContractTest.start(dir.resolve("second")).close();
    }

    @Test
    void anEmptyOrShortAdminTokenFileFailsTheStartInsteadOfLettingAnyoneAdminister() throws Exception {
        for (String token : new String[] {"", "\n", "short-secret"}) {
            final Path data =
                    Files.createDirectories(dir.resolve("token-" + token.strip().length()));
            final Path file = data.resolve("admin.token");
            Files.writeString(file, token);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            final MeshRegistry registry = MeshRegistry.builder()
                    .host("127.0.0.1")
                    .port(0)
                    .dataDir(data)
                    .build();

            assertThatThrownBy(registry::start)
                    .as("admin token %s", token.strip().isEmpty() ? "empty" : token.strip())
                    .isInstanceOf(RegistryStartException.class)
                    .hasMessageContaining("admin.token holds " + token.strip().length() + " characters")
                    .hasMessageContaining("at least 32");
        }
    }

    @Test
    void aDataDirectoryThatIsAFileFails() throws Exception {
        final Path file = Files.writeString(dir.resolve("file"), "");

        assertThatThrownBy(() -> RegistryContractTest.start(file))
                .isInstanceOf(RegistryStartException.class)
                .hasMessageContaining("is a file");
    }

    @Test
    void theBuilderRefusesBadSettingsWithWhatItExpects() {
        assertThatThrownBy(() -> MeshRegistry.builder().plaintext().port(70_000))
                .hasMessage("port: 70000 (expected: 0..65535)");
        assertThatThrownBy(() -> MeshRegistry.builder().plaintext().host(" ")).hasMessageContaining("expected");
        assertThatThrownBy(() -> MeshRegistry.builder().plaintext().build()).hasMessageContaining("dataDir");
    }

    @Test
    void aRegistryStartsOnceAndNeverAgainOnceStopped() {
        final MeshRegistry registry = RegistryContractTest.start(dir);
        final int port = registry.port();
        // A second start is the first one: same registry, same port, nothing opened twice.
        assertThat(registry.start()).isSameAs(registry.start());
        assertThat(registry.start().join()).isSameAs(registry);
        assertThat(registry.port()).isEqualTo(port);
        assertThat(registry.stop()).isSameAs(registry.stop());
        registry.close(); // stopping again is a no-op
        assertThatThrownBy(registry::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("stopped");
    }

    @Test
    void aRegistryListeningOnEveryAddressIsReachedOnLoopback() {
        try (MeshRegistry registry = MeshRegistry.builder()
                .plaintext()
                .host("0.0.0.0")
                .port(0)
                .dataDir(dir)
                .build()
                .start()
                .join()) {
            assertThat(registry.uri().toString()).isEqualTo("http://127.0.0.1:" + registry.port());
            assertThat(new Http(registry.uri()).get("/healthz").status().code()).isEqualTo(200);
        }
    }
}
