package io.mesh4j.server;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;

import org.junit.jupiter.api.Test;

import com.linecorp.armeria.server.annotation.Get;

import io.mesh4j.core.annotation.Quota;

/** A wrong {@code @Quota} fails the server's build, naming the method and the field, before anything starts. */
class AnnotatedQuotaBuildTest {

    /** Wrong: zero requests. */
    public static final class ZeroQuota {
        @Get("/charge")
        @Quota(requests = 0, per = "1m")
        public String charge() {
            return "charged";
        }
    }

    /** Wrong: half a second. */
    @Quota(requests = 10, per = "500ms", caller = "frontend")
    public static final class HalfSecond {
        @Get("/charge")
        public String charge() {
            return "charged";
        }
    }

    /** Wrong: one name, two sizes. */
    public static final class TwoSizes {
        @Get("/a")
        @Quota(requests = 10, name = "shared")
        public String a() {
            return "a";
        }

        @Get("/b")
        @Quota(requests = 20, name = "shared")
        public String b() {
            return "b";
        }
    }

    @Test
    void aWrongQuotaFailsTheBuildNamingTheMethodAndTheField() {
        final URI nowhere = URI.create("http://127.0.0.1:1");
        assertThatThrownBy(() -> MeshServer.builder("payments", nowhere)
                        .plaintext()
                        .annotatedService(new ZeroQuota())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ZeroQuota.charge(): @Quota(requests = 0, per = \"1m\"): requests: 0 (expected: "
                        + "> 0, at most 1000000000) (fix the @Quota of this method or its class)");
        assertThatThrownBy(() -> MeshServer.builder("payments", nowhere)
                        .plaintext()
                        .annotatedService(new HalfSecond())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("HalfSecond.charge(): @Quota(requests = 10, per = \"500ms\", caller = "
                        + "\"frontend\") (on HalfSecond): per: 500ms (expected: whole seconds");
        assertThatThrownBy(() -> MeshServer.builder("payments", nowhere)
                        .plaintext()
                        .annotatedService(new TwoSizes())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("@Quota 'shared' is ")
                .hasMessageContaining("(expected: one size per quota name; give one of them another name)");
    }
}
