package io.mesh4j.registry.internal.store;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.core.internal.registry.RegistryJson;

/**
 * The payloads of the log's lines, one word first so that a person can read the log with {@code less}:
 * <pre>
 * put 7 orders orders-1 {"host":"10.0.0.7","port":8080,...,"ttlSeconds":15}
 * remove 8 orders orders-1 expired
 * commit 8
 * </pre>
 * A {@code commit} line closes each batch written under one fsync; records after the last commit were never
 * acknowledged.
 */
final class LogFormat {

    /** What a log line holds: a change, or the commit that closes a batch. */
    sealed interface Entry permits ChangeEntry, Commit {}

    record ChangeEntry(Change change) implements Entry {}

    record Commit(long index) implements Entry {}

    static String format(Change change) {
        final String head = change.index() + " " + change.service() + ' ' + change.id();
        if (change instanceof Change.Put put) {
            return "put " + head + ' ' + json(put.registration());
        }
        return "remove " + head + ' ' + ((Change.Remove) change).reason().name().toLowerCase(Locale.ROOT);
    }

    /** A registration as the contract's JSON, which never holds a line break. */
    static String json(Registration registration) {
        return new String(RegistryJson.writeRegistration(registration), StandardCharsets.UTF_8);
    }

    static String commit(long index) {
        return "commit " + index;
    }

    /**
     * Reads one payload.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static Entry parse(String payload) {
        final String[] words = payload.split(" ", 5);
        switch (words[0]) {
            case "commit":
                expectWords(words, 2, payload);
                return new Commit(parseIndex(words[1]));
            case "put":
                expectWords(words, 5, payload);
                return new ChangeEntry(new Change.Put(
                        parseIndex(words[1]), ServiceName.of(words[2]),
                        InstanceId.of(words[3]), parseRegistration(words[4])));
            case "remove":
                expectWords(words, 5, payload);
                return new ChangeEntry(new Change.Remove(
                        parseIndex(words[1]), ServiceName.of(words[2]),
                        InstanceId.of(words[3]), parseReason(words[4])));
            default:
                throw new IllegalArgumentException(
                        "unknown record '" + words[0] + "' (expected: put, remove or commit)");
        }
    }

    static Registration parseRegistration(String json) {
        try {
            return RegistryJson.parseRegistration(json.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unreadable registration: " + e.getMessage(), e);
        }
    }

    static long parseIndex(String text) {
        try {
            final long index = Long.parseLong(text);
            if (index > 0) {
                return index;
            }
        } catch (NumberFormatException ignored) {
            // Falls through.
        }
        throw new IllegalArgumentException("index '" + text + "' is not a whole number > 0");
    }

    static void expectWords(String[] words, int count, String payload) {
        if (words.length != count) {
            throw new IllegalArgumentException(
                    "'" + words[0] + "' record with " + words.length + " fields " + "(expected: " + count + ")");
        }
    }

    private static Change.Reason parseReason(String text) {
        try {
            return Change.Reason.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown removal reason '" + text + "'", e);
        }
    }

    private LogFormat() {}
}
