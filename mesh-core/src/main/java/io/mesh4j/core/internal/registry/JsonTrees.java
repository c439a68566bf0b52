package io.mesh4j.core.internal.registry;

import java.io.IOException;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The registry's JSON documents between their text and Jackson's tree model, with jackson-core's streaming parser
 * and generator rather than an {@code ObjectMapper}: the documents are small trees, and an {@code ObjectMapper}
 * loads some 400 classes (its serializer and deserializer factories, type resolution, configuration) into every
 * mesh process, a raw Armeria one loading two of Jackson's. The trees are those {@code ObjectMapper.readTree} makes
 * (an int, long or big integer node by the number's size, a double node for a fraction), and the text is what
 * {@code writeValueAsBytes} wrote: compact, fields in order.
 */
final class JsonTrees {

    /** Makes the nodes of the documents the mesh writes. */
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Strict as the registry's contract wants: a field given twice is refused, not the last one taken. */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * Reads one JSON value; nothing may follow it but white space.
     *
     * @return the value, or a missing node if {@code body} holds nothing but white space
     * @throws JsonEOFException if the text ends before the value is complete
     * @throws com.fasterxml.jackson.core.JsonProcessingException if it is not JSON, or has something after the
     *     value, or a field twice, saying where
     */
    static JsonNode read(byte[] body) throws IOException {
        try (JsonParser parser = FACTORY.createParser(body)) {
            final JsonToken first = parser.nextToken();
            if (first == null) {
                return MissingNode.getInstance();
            }
            final JsonNode root = value(parser, first);
            final JsonToken trailing = parser.nextToken();
            if (trailing != null) {
                throw new JsonParseException(
                        parser, "Trailing token (of type " + trailing + ") found after the value: not allowed");
            }
            return root;
        }
    }

    private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case START_OBJECT: {
                final ObjectNode object = NODES.objectNode();
                for (JsonToken next = next(parser); next != JsonToken.END_OBJECT; next = next(parser)) {
                    final String name = parser.currentName();
                    object.set(name, value(parser, next(parser)));
                }
                return object;
            }
            case START_ARRAY: {
                final ArrayNode array = NODES.arrayNode();
                for (JsonToken next = next(parser); next != JsonToken.END_ARRAY; next = next(parser)) {
                    array.add(value(parser, next));
                }
                return array;
            }
            case VALUE_STRING:
                return NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT:
                switch (parser.getNumberType()) {
                    case INT:
                        return NODES.numberNode(parser.getIntValue());
                    case LONG:
                        return NODES.numberNode(parser.getLongValue());
                    default:
                        return NODES.numberNode(parser.getBigIntegerValue());
                }
            case VALUE_NUMBER_FLOAT:
                return parser.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
                        ? NODES.numberNode(parser.getDecimalValue())
                        : NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE:
                return NODES.booleanNode(true);
            case VALUE_FALSE:
                return NODES.booleanNode(false);
            case VALUE_NULL:
                return NODES.nullNode();
            default:
                throw new JsonParseException(parser, "Unexpected token (" + token + ")");
        }
    }

    /** The next token, which must be there: a structure is open. */
    private static JsonToken next(JsonParser parser) throws IOException {
        final JsonToken token = parser.nextToken();
        if (token == null) {
            throw new JsonEOFException(parser, null, "Unexpected end-of-input: the value is not complete");
        }
        return token;
    }

    /** Writes {@code node} as compact JSON text, UTF-8. */
    static byte[] write(JsonNode node) {
        try (ByteArrayBuilder out = new ByteArrayBuilder()) {
            try (JsonGenerator generator = FACTORY.createGenerator(out)) {
                write(generator, node);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + node.getNodeType(), e);
        }
    }

    private static void write(JsonGenerator generator, JsonNode node) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT:
                generator.writeStartObject();
                for (Map.Entry<String, JsonNode> field : node.properties()) {
                    generator.writeFieldName(field.getKey());
                    write(generator, field.getValue());
                }
                generator.writeEndObject();
                return;
            case ARRAY:
                generator.writeStartArray();
                for (JsonNode element : node) {
                    write(generator, element);
                }
                generator.writeEndArray();
                return;
            case STRING:
                generator.writeString(node.textValue());
                return;
            case NUMBER:
                writeNumber(generator, node);
                return;
            case BOOLEAN:
                generator.writeBoolean(node.booleanValue());
                return;
            case NULL:
                generator.writeNull();
                return;
            case BINARY:
                generator.writeBinary(node.binaryValue());
                return;
            default:
                throw new IllegalArgumentException("cannot write a " + node.getNodeType() + " node as JSON");
        }
    }

    private static void writeNumber(JsonGenerator generator, JsonNode node) throws IOException {
        switch (node.numberType()) {
            case INT:
                generator.writeNumber(node.intValue());
                return;
            case LONG:
                generator.writeNumber(node.longValue());
                return;
            case BIG_INTEGER:
                generator.writeNumber(node.bigIntegerValue());
                return;
            case FLOAT:
                generator.writeNumber(node.floatValue());
                return;
            case DOUBLE:
                generator.writeNumber(node.doubleValue());
                return;
            default:
                generator.writeNumber(node.decimalValue());
        }
    }

    private JsonTrees() {}
}
