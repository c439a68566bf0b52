package io.mesh4j.core.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The registry's documents read and written without an ObjectMapper are the trees and the text an ObjectMapper
 * makes of them, node type for node type, and as strict.
 */
class JsonTreesTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"index\":7,\"instances\":[{\"id\":\"o-1\",\"port\":80,\"weight\":1.5,\"metadata\":{}}]}",
                "{\"big\":12345678901,\"bigger\":123456789012345678901234567890,\"neg\":-3,\"exp\":1e3}",
                "{\"t\":true,\"f\":false,\"n\":null,\"s\":\"caf\\u00e9 \\\"quoted\\\" \\n\",\"a\":[[],{},\"\"]}",
                "[1,2.25,\"x\"]",
                "\"just a string\"",
                "  {\"spaced\" : [ 1 , 2 ] }  "
            })
    void readsTheTreeAnObjectMapperReadsAndWritesTheTextItWrites(String json) throws Exception {
        final byte[] body = json.getBytes(StandardCharsets.UTF_8);
        final JsonNode expected = MAPPER.readTree(body);

        final JsonNode read = JsonTrees.read(body);

        assertThat(read).isEqualTo(expected);
        assertThat(read.findValues("port"))
                .allSatisfy(port -> assertThat(port.isInt()).isTrue());
        assertThat(new String(JsonTrees.write(read), StandardCharsets.UTF_8))
                .isEqualTo(MAPPER.writeValueAsString(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "\n"})
    void readsNothingAsAMissingNode(String json) throws Exception {
        assertThat(JsonTrees.read(json.getBytes(StandardCharsets.UTF_8)).isMissingNode())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1", "[1,2", "{\"a\":"})
    void refusesTextCutShortAsCutShort(String json) {
        assertThatThrownBy(() -> JsonTrees.read(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JsonEOFException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1,\"a\":2}", "{\"a\":1} {}", "{\"a\":1} x", "{a:1}", "[1,]"})
    void refusesAFieldTwiceAnythingAfterTheValueAndWhatIsNotJson(String json) {
        assertThatThrownBy(() -> JsonTrees.read(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JsonParseException.class);
    }
}
