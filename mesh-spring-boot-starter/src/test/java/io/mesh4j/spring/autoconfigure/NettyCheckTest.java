package io.mesh4j.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** The Netty that Spring Boot's own dependency management brings stops the start saying how to fix the build. */
class NettyCheckTest {

    @Test
    void nettyFourOneFailsTheStartSayingWhichVersionsToSet() {
        assertThatThrownBy(() -> NettyCheck.check("4.1.128.Final"))
                .isInstanceOfSatisfying(MeshConfigurationException.class, e -> {
                    final FailureAnalysis analysis = new MeshConfigurationFailureAnalyzer().analyze(e);
                    assertThat(analysis.getDescription())
                            .contains("netty.version: Netty 4.1.128.Final is on the classpath; mesh4j's Armeria 1.36 "
                                    + "needs Netty 4.2");
                    assertThat(analysis.getAction())
                            .contains("<netty.version>4.2.7.Final</netty.version>")
                            .contains("import io.netty:netty-bom 4.2.7.Final before it");
                });
    }

    @Test
    void theNettyOfThisBuildAndLaterOnesPass() {
        assertThatCode(NettyCheck::check).doesNotThrowAnyException();
        assertThatCode(() -> NettyCheck.check("4.2.7.Final")).doesNotThrowAnyException();
        assertThatCode(() -> NettyCheck.check("4.3.0.Final")).doesNotThrowAnyException();
        assertThatCode(() -> NettyCheck.check("unknown")).doesNotThrowAnyException();
    }
}
