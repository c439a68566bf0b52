package io.mesh4j.core.internal.registry;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Strict reading of request bodies: one JSON object, no duplicate keys, no unknown fields, every field of the
 * right type; every refusal an {@link InvalidInputException} that names the field and says what to write.
 */
final class StrictJson {

    static ObjectNode readObject(byte[] body, String example) {
        if (body.length == 0) {
            throw new InvalidInputException(ErrorCode.INVALID_JSON, "the body is empty (expected: " + example + ')');
        }
        final JsonNode root;
        try {
            root = JsonTrees.read(body);
        } catch (JsonEOFException e) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_JSON,
                    "the body is cut short: the JSON ends before it is complete " + "(expected: " + example + ')');
        } catch (JsonProcessingException e) {
            // A body past the parser's limits (nesting deeper than 1,000, a number of more than 1,000 digits) has
            // no location: it was refused before the parser got anywhere.
            final @Nullable JsonLocation location = e.getLocation();
            throw new InvalidInputException(
                    ErrorCode.INVALID_JSON,
                    "the body is not valid JSON: " + e.getOriginalMessage()
                            + (location != null
                                    ? " at line " + location.getLineNr() + ", column " + location.getColumnNr()
                                    : ""));
        } catch (IOException e) {
            throw new InvalidInputException(ErrorCode.INVALID_JSON, "the body cannot be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode()) {
            throw new InvalidInputException(ErrorCode.INVALID_JSON, "the body is empty (expected: " + example + ')');
        }
        if (!root.isObject()) {
            throw new InvalidInputException(
                    ErrorCode.INVALID_JSON,
                    "the body is " + describe(root.getNodeType()) + " (expected: " + example + ')');
        }
        return (ObjectNode) root;
    }

    /** Names a JSON type with its article, as a message would say it: "an array". */
    static String describe(JsonNodeType type) {
        switch (type) {
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case NULL:
                return "null";
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            default:
                return "a " + type.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Typed, strict access to a JSON object's fields, with errors that name the field. */
    static final class Fields {

        private final ObjectNode object;

        Fields(ObjectNode object, Set<String> known) {
            this.object = object;
            for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
                final String name = it.next();
                if (!known.contains(name)) {
                    throw new InvalidInputException(
                            ErrorCode.UNKNOWN_FIELD,
                            "unknown field '" + name + "' (expected only: "
                                    + String.join(", ", known.stream().sorted().toList()) + ')');
                }
            }
        }

        String requiredString(String name) {
            final JsonNode node = object.get(name);
            if (node == null || node.isNull()) {
                throw missing(name, "a string");
            }
            return string(name, node);
        }

        String optionalString(String name, String defaultValue) {
            final JsonNode node = object.get(name);
            return node == null || node.isNull() ? defaultValue : string(name, node);
        }

        int requiredInt(String name) {
            final JsonNode node = object.get(name);
            if (node == null || node.isNull()) {
                throw missing(name, "an integer");
            }
            return integer(name, node);
        }

        int optionalInt(String name, int defaultValue) {
            final JsonNode node = object.get(name);
            return node == null || node.isNull() ? defaultValue : integer(name, node);
        }

        long optionalLong(String name, long defaultValue) {
            final JsonNode node = object.get(name);
            if (node == null || node.isNull()) {
                return defaultValue;
            }
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw wrongType(name, node, "an integer");
            }
            return node.longValue();
        }

        Map<String, String> optionalStringMap(String name) {
            final JsonNode node = object.get(name);
            if (node == null || node.isNull()) {
                return Map.of();
            }
            if (!node.isObject()) {
                throw wrongType(name, node, "an object of strings, such as {\"version\": \"1.4.2\"}");
            }
            final Map<String, String> map = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(e.getKey(), string(name + '.' + e.getKey(), e.getValue()));
            }
            return map;
        }

        private static String string(String name, JsonNode node) {
            if (!node.isTextual()) {
                throw wrongType(name, node, "a string");
            }
            return node.textValue();
        }

        private static int integer(String name, JsonNode node) {
            if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                throw wrongType(name, node, "an integer");
            }
            return node.intValue();
        }

        private static InvalidInputException missing(String name, String expected) {
            return new InvalidInputException(ErrorCode.INVALID_FIELD, name + ": missing (expected: " + expected + ')');
        }

        private static InvalidInputException wrongType(String name, JsonNode node, String expected) {
            final String shown = node.isContainerNode() ? "" : ' ' + abbreviate(node.toString());
            return new InvalidInputException(
                    ErrorCode.INVALID_FIELD,
                    name + ":" + shown + " is " + describe(node.getNodeType()) + " (expected: " + expected + ')');
        }

        private static String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 40) + "...";
        }
    }

    private StrictJson() {}
}
