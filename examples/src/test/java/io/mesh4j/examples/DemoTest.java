package io.mesh4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.mesh4j.examples.demo.Demo;

class DemoTest {

    @Test
    void theDemoShowsTrafficPerServiceAndInstanceWithNoFailedCheckout() throws IOException, InterruptedException {
        final JvmRun demo = JvmRun.run(
                Demo.class.getName(), List.of("--seconds", "12", "--interval", "2"), Duration.ofSeconds(240));
        final String output = demo.output();

        assertThat(demo.timedOut()).as(output).isFalse();
        assertThat(demo.exitCode()).as(output).isZero();
        assertThat(output)
                .contains("service", "req/s", "success", "p50", "p99", "share")
                .contains("frontend-1", "orders-1", "orders-2 (+40ms)", "orders-3", "inventory-1")
                .contains("orders-3 (v1) joined", "orders-1 left")
                // The canary shift, done live with meshctl in its own process.
                .contains(
                        "$ meshctl routes split orders v1=100 v2=0",
                        "$ meshctl routes split orders v1=90 v2=10",
                        "$ meshctl routes split orders v1=50 v2=50")
                // The dashboard, with the read-only viewer token after '#'.
                .containsPattern("dashboard   https://127\\.0\\.0\\.1:\\d+/dashboard/#token=[A-Za-z0-9_-]{32,} ")
                .contains("routes of orders in force at index")
                // The registry's golden metrics of the same run, from what the members reported.
                .contains("$ meshctl stat")
                .containsPattern("SERVICE +RPS +SUCCESS")
                .containsPattern("\\n +frontend +\\d+\\.\\d+ +100\\.00%")
                .containsPattern("\\n +inventory +\\d+\\.\\d+ +100\\.00%")
                .contains("orders-v2 (canary)")
                .contains("frontend → orders → inventory (HTTP, then gRPC)")
                .contains("every hop is mTLS")
                // Zero trust: the mesh refuses what no policy allows, and the chain's policies let it through.
                .contains("$ meshctl policies default", "mesh-wide default policy: deny")
                .contains(
                        "$ meshctl policies apply frontend",
                        "$ meshctl policies apply orders",
                        "$ meshctl policies apply inventory",
                        "access policy of inventory in force at index")
                // The last hop is gRPC: its policy names the method's path, and a refusal is a gRPC status.
                .contains("inventory-policy.json: {\"rules\": [{\"routes\": "
                        + "[\"/mesh4j.examples.inventory.Inventory/GetStock\"], \"methods\": [\"POST\"], "
                        + "\"allowCallers\": [\"orders\"]}]}")
                .contains("refused     loadgen → inventory directly, over gRPC: PERMISSION_DENIED "
                        + "spiffe://mesh.local/svc/loadgen may not call POST "
                        + "/mesh4j.examples.inventory.Inventory/GetStock of inventory (the policy pushed by the "
                        + "registry does not allow it)")
                // A caller quota refusing a burst: told apart from a failed checkout, which stays at none.
                .contains("$ meshctl routes apply frontend", "routes of frontend in force at index")
                .contains("is over the mesh-wide quota 'reports-checkout' of 10 requests per 1 s for rule "
                        + "'checkout' from reports")
                .containsPattern("done: \\d+ checkouts in 12 s, 0 failed")
                // One checkout as a trace through the three services, and where to see the rest.
                .containsPattern("trace [0-9a-f]{32} \\(6 spans\\)")
                .contains("GET → frontend  (client, 1 attempt, frontend-1)")
                .contains("└─ GET /checkout/:id  (server)")
                .contains("└─ GET → orders  (client")
                .contains("└─ GET /orders/:id  (server)")
                .contains("└─ mesh4j.examples.inventory.Inventory/GetStock → inventory  "
                        + "(gRPC client, 1 attempt, inventory-1)")
                .contains("└─ mesh4j.examples.inventory.Inventory/GetStock  (gRPC server)")
                .contains("--zipkin http://127.0.0.1:9411/api/v2/spans")
                .containsPattern("http://127.0.0.1:\\d+/metrics");

        final Matcher quota = Pattern.compile("quota       reports → frontend, a caller quota of 10 checkouts per "
                        + "second across the mesh: a burst of 40 at once, (\\d+) admitted, (\\d+) refused by the "
                        + "quota \\(429, Retry-After: [1-9]\\d* s\\), 0 otherwise")
                .matcher(output);
        assertThat(quota.find()).as(output).isTrue();
        final int admitted = Integer.parseInt(quota.group(1));
        final int refused = Integer.parseInt(quota.group(2));
        // The quota's bucket holds at most one second of it: about 10 of the 40 get through, the rest are refused.
        assertThat(admitted).as(output).isBetween(1, 20);
        assertThat(refused).as(output).isEqualTo(40 - admitted);
    }
}
