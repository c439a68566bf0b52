package io.mesh4j.registry.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.QuotaJson;
import io.mesh4j.core.internal.registry.RegistryClient;
import io.mesh4j.core.routing.QuotaSpec;
import io.mesh4j.core.routing.RouteConfig;
import io.mesh4j.core.routing.RouteRule;
import io.mesh4j.registry.MeshRegistry;
import io.mesh4j.registry.internal.RegistryAccess;
import picocli.CommandLine;

/** {@code meshctl quotas} against a real TLS registry whose quota has two holders. */
class QuotasCliTest {

    private static final ServiceName PAYMENTS = ServiceName.of("payments");

    @TempDir
    Path dataDir;

    private MeshRegistry registry;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void start() {
        registry = MeshRegistry.builder()
                .host("127.0.0.1")
                .port(0)
                .dataDir(dataDir)
                .build()
                .start()
                .join();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private int meshctl(String... args) {
        final String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(
                new String[] {"--registry", registry.uri().toString(), "--data-dir", dataDir.toString()},
                0,
                all,
                args.length,
                4);
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        final CommandLine commandLine = MeshCtl.commandLine(Map.of());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(all);
    }

    @Test
    void quotasListsEachHolderWithItsShareAndDemand() {
        final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        admin.putRoutes(
                        PAYMENTS,
                        new RouteConfig(
                                List.of(RouteRule.builder("charge").build()),
                                Set.of(),
                                List.of(new QuotaSpec(
                                        "frontend-charge",
                                        "charge",
                                        ServiceName.of("frontend"),
                                        600,
                                        Duration.ofMinutes(1)))))
                .join();
        for (String id : List.of("payments-1", "payments-2")) {
            admin.quotaLeases(
                            PAYMENTS,
                            new QuotaJson.LeaseRequest(
                                    InstanceId.of(id),
                                    List.of(new QuotaJson.Demand("frontend-charge", id.endsWith("1") ? 8 : 1, 3)),
                                    false))
                    .join();
        }

        assertThat(meshctl("quotas")).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("SERVICE   QUOTA            LIMIT    SCOPE")
                .contains(
                        "payments  frontend-charge  600/60s  rule charge, from frontend  6        payments-1  8.50     8.00")
                .contains("payments-2  1.50     1.00");

        assertThat(meshctl("quotas", "orders")).isZero();
        assertThat(out.toString()).contains("(no quota is held now for orders)");
        assertThat(meshctl("quotas", "Not A Name")).isNotZero();
        assertThat(err.toString()).contains("SERVICE:");
    }

    @Test
    void quotasSaysWhenInstancesDeclareDifferentSizesWithQuota() {
        final RegistryClient admin = RegistryAccess.ADMIN_CLIENT.get(registry);
        for (String id : List.of("payments-1", "payments-2")) {
            final QuotaSpec declared = new QuotaSpec(
                    "paymentsapi-charge", null, null, id.endsWith("1") ? 1000 : 500, Duration.ofMinutes(1));
            admin.quotaLeases(
                            PAYMENTS,
                            new QuotaJson.LeaseRequest(
                                    InstanceId.of(id),
                                    List.of(new QuotaJson.Demand("paymentsapi-charge", 1, 0, declared)),
                                    false))
                    .join();
        }

        assertThat(meshctl("quotas")).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("payments  paymentsapi-charge  500/60s  @Quota routes, any rule, every caller")
                .contains("payments paymentsapi-charge: its instances declare different sizes (500/60s, 1000/60s): "
                        + "the smallest is divided; give them one, or set it in the route config");
    }
}
