package io.mesh4j.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.mesh4j.core.discovery.Instance;
import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;

class RegistryJsonTest {

    private static Registration parse(String json) {
        return RegistryJson.parseRegistration(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAFullRegistrationAndFillsDefaultsForAMinimalOne() {
        final Registration full = parse("{\"host\":\"10.0.0.7\",\"port\":8080,\"zone\":\"eu-1a\",\"weight\":50,"
                + "\"metadata\":{\"version\":\"1.4\"},\"ttlSeconds\":30}");
        assertThat(full)
                .isEqualTo(new Registration(
                        "10.0.0.7", 8080, "eu-1a", 50, Map.of("version", "1.4"), Duration.ofSeconds(30)));

        final Registration minimal = parse("{\"host\":\"orders-1.internal\",\"port\":1}");
        assertThat(minimal.weight()).isEqualTo(Registration.DEFAULT_WEIGHT);
        assertThat(minimal.ttl()).isEqualTo(Registration.DEFAULT_TTL);
        assertThat(minimal.zone()).isEmpty();
        assertThat(minimal.metadata()).isEmpty();
    }

    @Test
    void writesWhatItReads() {
        final Registration registration = Registration.builder("::1", 9090)
                .zone("z")
                .weight(7)
                .metadata(Map.of("a", "b"))
                .ttl(Duration.ofSeconds(3))
                .build();

        assertThat(RegistryJson.parseRegistration(RegistryJson.writeRegistration(registration)))
                .isEqualTo(registration);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "empty body                |                                           | invalid_json  | the body is empty",
                "truncated                 | {\"host\":\"a\",\"port\":                 | invalid_json  | the body is cut short",
                "not json                  | host=a&port=1                             | invalid_json  | the body is not valid JSON",
                "array                     | [1,2]                                     | invalid_json  | the body is an array",
                "trailing garbage          | {\"host\":\"a\",\"port\":1} x             | invalid_json  | not valid JSON",
                "duplicate key             | {\"host\":\"a\",\"host\":\"b\",\"port\":1} | invalid_json  | Duplicate field 'host'",
                "unknown field             | {\"host\":\"a\",\"port\":1,\"ttl\":5}     | unknown_field | unknown field 'ttl' (expected only: host, metadata, port, ttlSeconds, weight, zone)",
                "port as string            | {\"host\":\"a\",\"port\":\"8080\"}        | invalid_field | port: \"8080\" is a string (expected: an integer)",
                "port fractional           | {\"host\":\"a\",\"port\":80.5}            | invalid_field | port: 80.5 is a number (expected: an integer)",
                "port too large            | {\"host\":\"a\",\"port\":70000}           | invalid_field | port: 70000 (expected: 1..65535)",
                "port zero                 | {\"host\":\"a\",\"port\":0}               | invalid_field | port: 0 (expected: 1..65535)",
                "missing port              | {\"host\":\"a\"}                          | invalid_field | port: missing (expected: an integer)",
                "host as number            | {\"host\":7,\"port\":1}                   | invalid_field | host: 7 is a number (expected: a string)",
                "bad host                  | {\"host\":\"a b\",\"port\":1}             | invalid_field | host: 'a b' (expected: a host name",
                "negative ttl              | {\"host\":\"a\",\"port\":1,\"ttlSeconds\":-5}     | invalid_field | ttlSeconds: -5 (expected: 1..3600",
                "absurd ttl                | {\"host\":\"a\",\"port\":1,\"ttlSeconds\":99999999999}  | invalid_field | ttlSeconds: 99999999999 (expected: 1..3600",
                "metadata not object       | {\"host\":\"a\",\"port\":1,\"metadata\":[]}      | invalid_field | metadata: is an array (expected: an object of strings",
                "metadata value not string | {\"host\":\"a\",\"port\":1,\"metadata\":{\"v\":1}} | invalid_field | metadata.v: 1 is a number (expected: a string)",
                "weight zero               | {\"host\":\"a\",\"port\":1,\"weight\":0}  | invalid_field | weight: 0 (expected: 1..10000",
            })
    void refusesBadRegistrationsWithAMessageThatSaysWhatToChange(
            String name, String json, String code, String message) {
        assertThatThrownBy(() -> parse(json == null ? "" : json))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.code().wireName()).isEqualTo(code);
                    assertThat(e.getMessage()).contains(message);
                });
    }

    @Test
    void readsSnapshotsLenientlySoThatANewerRegistryMayAddFields() {
        final InstancesSnapshot snapshot = RegistryJson.parseSnapshot(
                ("{\"index\":7,\"future\":true,\"instances\":[{\"id\":\"o-1\",\"host\":\"h\",\"port\":80,"
                                + "\"zone\":\"\",\"weight\":3,\"metadata\":{},\"health\":\"ok\"}]}")
                        .getBytes(StandardCharsets.UTF_8));

        assertThat(snapshot)
                .isEqualTo(new InstancesSnapshot(
                        7, List.of(new Instance(InstanceId.of("o-1"), "h", 80, "", 3, Map.of()))));
        assertThat(RegistryJson.parseSnapshot(RegistryJson.writeSnapshot(snapshot)))
                .isEqualTo(snapshot);
    }

    @Test
    void readsAnErrorBodyOrMakesOneFromAForeignAnswer() {
        assertThat(RegistryJson.parseError(404, RegistryJson.writeError(ErrorBody.of(ErrorCode.NOT_FOUND, "gone"))))
                .isEqualTo(new ErrorBody("not_found", "gone"));
        assertThat(RegistryJson.parseError(502, "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new ErrorBody("http_502", "<html>bad gateway</html>"));
    }

    @ParameterizedTest
    @CsvSource({"30s,30000", "500ms,500", "2m,120000", "10m,600000", "0s,0"})
    void parsesWaits(String text, long millis) {
        assertThat(WatchParams.parseWait(text)).isEqualTo(Duration.ofMillis(millis));
        assertThat(WatchParams.parseWait(WatchParams.formatWait(Duration.ofMillis(millis))))
                .isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({"30", "30 s", "-1s", "1h", "11m", "abc", "1.5s"})
    void refusesWaitsThatDoNotParseOrAreTooLong(String text) {
        assertThatThrownBy(() -> WatchParams.parseWait(text))
                .isInstanceOfSatisfying(
                        InvalidInputException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_QUERY))
                .hasMessageStartingWith("wait: ");
    }

    @ParameterizedTest
    @CsvSource({"-1", "x", "1e3", "99999999999999999999"})
    void refusesIndexesThatAreNotWholeNumbers(String text) {
        assertThatThrownBy(() -> WatchParams.parseIndex(text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected: a whole number >= 0");
    }
}
