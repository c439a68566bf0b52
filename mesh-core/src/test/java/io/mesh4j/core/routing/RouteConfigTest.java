package io.mesh4j.core.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.linecorp.armeria.common.HttpHeaders;
import com.linecorp.armeria.common.HttpMethod;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.InvalidInputException;
import io.mesh4j.core.internal.registry.RouteJson;

class RouteConfigTest {

    private static final String FULL = "{\"overrideCallers\": [\"frontend\", \"debug-console\"], \"rules\": [{"
            + "\"name\": \"canary\","
            + "\"match\": {\"path\": {\"template\": \"/orders/{id}\"}, \"methods\": [\"GET\"],"
            + "            \"headers\": {\"X-Canary\": \"yes\"}},"
            + "\"route\": [{\"subset\": {\"version\": \"v1\"}, \"weight\": 90},"
            + "            {\"subset\": {\"version\": \"v2\"}, \"weight\": 10}],"
            + "\"fallback\": {\"version\": \"v1\"},"
            + "\"timeout\": \"2s\", \"perAttemptTimeout\": \"500ms\","
            + "\"retry\": {\"attempts\": 3, \"on\": [\"unprocessed\", \"503\"], \"backoff\": {\"base\": \"10ms\", "
            + "            \"cap\": \"1s\"}},"
            + "\"hedge\": {\"delay\": \"50ms\", \"maxAttempts\": 2},"
            + "\"fault\": {\"delay\": {\"percent\": 10, \"duration\": \"100ms\"}, \"abort\": {\"percent\": 5, "
            + "            \"status\": 503}},"
            + "\"rateLimit\": {\"requestsPerSecond\": 100, \"perCaller\": true},"
            + "\"concurrencyLimit\": 50,"
            + "\"outlier\": {\"consecutiveFailures\": 5, \"failureRate\": 50, \"ejectionTime\": \"30s\", "
            + "              \"maxEjectedPercent\": 50}"
            + "}, {\"name\": \"everything-else\"}]}";

    private static RouteConfig parse(String json) {
        return RouteJson.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsEveryFeatureAndWritesWhatItReads() {
        final RouteConfig config = parse(FULL);

        final RouteRule canary = config.rules().get(0);
        assertThat(canary.split())
                .containsExactly(
                        new WeightedSubset(new Subset(Map.of("version", "v1")), 90),
                        new WeightedSubset(new Subset(Map.of("version", "v2")), 10));
        assertThat(canary.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(canary.retry().attempts()).isEqualTo(3);
        assertThat(canary.hedge().delay()).isEqualTo(Duration.ofMillis(50));
        assertThat(canary.fault().abortStatus()).isEqualTo(503);
        assertThat(canary.rateLimit().perCaller()).isTrue();
        assertThat(canary.concurrencyLimit()).isEqualTo(50);
        assertThat(canary.outlier().ejectionTime()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.overrideCallers())
                .containsExactlyInAnyOrder(ServiceName.of("frontend"), ServiceName.of("debug-console"));
        assertThat(RouteJson.parse(RouteJson.write(config))).isEqualTo(config);
    }

    @Test
    void aRequestFollowsTheFirstRuleThatMatchesIt() {
        final RouteConfig config = parse(FULL);
        final HttpHeaders canaryHeader = HttpHeaders.of("x-canary", "yes");

        assertThat(config.match(HttpMethod.GET, "/orders/42", canaryHeader))
                .map(RouteRule::name)
                .hasValue("canary");
        assertThat(config.match(HttpMethod.GET, "/orders/42/items", canaryHeader))
                .map(RouteRule::name)
                .hasValue("everything-else");
        assertThat(config.match(HttpMethod.POST, "/orders/42", canaryHeader))
                .map(RouteRule::name)
                .hasValue("everything-else");
        assertThat(config.match(HttpMethod.GET, "/orders/42", HttpHeaders.of()))
                .map(RouteRule::name)
                .hasValue("everything-else");
    }

    @Test
    void pathsMatchExactlyByPrefixByTemplateAndByRegex() {
        assertThat(PathMatch.of(PathMatch.Kind.EXACT, "/a").matches("/a")).isTrue();
        assertThat(PathMatch.of(PathMatch.Kind.EXACT, "/a").matches("/a/b")).isFalse();
        assertThat(PathMatch.of(PathMatch.Kind.PREFIX, "/a").matches("/a/b")).isTrue();
        assertThat(PathMatch.of(PathMatch.Kind.TEMPLATE, "/o/{id}/items").matches("/o/7/items"))
                .isTrue();
        assertThat(PathMatch.of(PathMatch.Kind.TEMPLATE, "/o/{id}/items").matches("/o/7/8/items"))
                .isFalse();
        assertThat(PathMatch.of(PathMatch.Kind.REGEX, "^/o/[0-9]+$").matches("/o/77"))
                .isTrue();
        assertThat(PathMatch.of(PathMatch.Kind.REGEX, "^/o/[0-9]+$").matches("/o/x"))
                .isFalse();
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"rules\": [{\"route\": [{\"subset\": {\"v\": \"1\"}, \"weight\": 90}, {\"subset\": {\"v\": \"2\"}, \"weight\": 5}]}]}"
                        + " | rules[0] ('rule-0').route: the weights sum to 95 (expected: 100)",
                "{\"rules\": [{\"name\": \"r\", \"match\": {\"path\": {\"regex\": \"(\"}}}]}"
                        + " | rules[0] ('r').match.path.regex: '(' does not compile",
                "{\"rules\": [{\"name\": \"r\", \"match\": {\"path\": {\"regex\": \"^(a+)+$\"}}}]}"
                        + " | nests a quantifier inside a quantified group",
                "{\"rules\": [{\"name\": \"r\", \"fault\": {\"abort\": {\"percent\": 120, \"status\": 503}}}]}"
                        + " | rules[0] ('r').fault.abort.percent: 120.0 (expected: 0..100)",
                "{\"rules\": [{\"name\": \"r\", \"timeout\": \"-1s\"}]}"
                        + " | rules[0] ('r').timeout: '-1s' (expected: a whole number and ms, s or m",
                "{\"rules\": [{\"name\": \"r\", \"timeout\": \"1s\", \"perAttemptTimeout\": \"2s\"}]}"
                        + " | perAttemptTimeout: 2000ms is longer than timeout 1000ms",
                "{\"rules\": [{\"name\": \"r\", \"retries\": {\"attempts\": 3}}]}"
                        + " | rules[0] ('r'): unknown field 'retries'",
                "{\"rules\": [{\"name\": \"r\", \"retry\": {\"attempts\": 30}}]}"
                        + " | rules[0] ('r').retry.attempts: 30 (expected: 1..10)",
                "{\"rules\": [{\"name\": \"r\", \"retry\": {\"on\": [\"sometimes\"]}}]}"
                        + " | rules[0] ('r').retry.on: 'sometimes' (expected: unprocessed, 503",
                "{\"rules\": [{\"name\": \"r\", \"match\": {\"path\": {\"prefix\": \"/a\", \"exact\": \"/b\"}}}]}"
                        + " | rules[0] ('r').match.path: 2 kinds of match",
                "{\"rules\": [{\"name\": \"r\"}, {\"name\": \"r\"}]}" + " | rule 'r' appears twice",
                "{\"rules\": [{\"name\": \"r\", \"hedge\": {\"delay\": \"10ms\", \"percentile\": 95}}]}"
                        + " | hedge: give either delay or percentile",
                "{\"rules\": [{\"name\": \"r\", \"rateLimit\": {\"requestsPerSecond\": 0}}]}"
                        + " | rules[0] ('r').rateLimit.requestsPerSecond: 0.0 (expected: > 0",
                "{\"rules\": [], \"overrideCallers\": [\"Front End\"]}" + " | overrideCallers: ",
            })
    void refusesABadConfigNamingTheRuleAndTheField(String json, String message) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(message.strip());
    }
}
