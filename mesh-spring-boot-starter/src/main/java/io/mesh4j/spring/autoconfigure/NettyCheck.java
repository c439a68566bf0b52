package io.mesh4j.spring.autoconfigure;

import org.jspecify.annotations.Nullable;

import io.netty.util.Version;

/**
 * Checks that the Netty on the classpath is the one Armeria 1.36, under every mesh4j module, is built on. Spring
 * Boot 4 manages Netty 4.2; Spring Boot 3.5's dependency management (its starter parent, or its BOM imported before
 * Netty's) brings Netty 4.1, and
 * the first mesh bean then fails with a {@code NoClassDefFoundError} deep inside Armeria; this says so at start,
 * and how to fix the build.
 */
final class NettyCheck {

    private NettyCheck() {}

    static void check() {
        final @Nullable Version netty = Version.identify().get("netty-common");
        // A repackaged Netty without its version file cannot be told apart: let it be.
        if (netty != null) {
            check(netty.artifactVersion());
        }
    }

    static void check(String version) {
        final String[] parts = version.split("\\.");
        final int major;
        final int minor;
        try {
            major = Integer.parseInt(parts[0]);
            minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        } catch (NumberFormatException e) {
            return;
        }
        if (major == 4 && minor < 2) {
            throw new MeshConfigurationException(
                    "netty.version",
                    "Netty " + version + " is on the classpath; mesh4j's Armeria 1.36 needs Netty 4.2",
                    "Spring Boot 3.5 manages Netty 4.1 (Spring Boot 4 manages 4.2 and needs nothing). On Boot 3.5, "
                            + "use mesh-spring-boot3-starter and, with spring-boot-starter-parent, set the Maven property "
                            + "<netty.version>4.2.7.Final</netty.version>; with spring-boot-dependencies imported, import "
                            + "io.netty:netty-bom 4.2.7.Final before it.");
        }
    }
}
