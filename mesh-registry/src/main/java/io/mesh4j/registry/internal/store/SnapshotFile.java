package io.mesh4j.registry.internal.store;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SortedMap;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import io.mesh4j.core.discovery.InstanceId;
import io.mesh4j.core.discovery.Registration;
import io.mesh4j.core.discovery.ServiceName;

/**
 * The snapshot a compaction writes: everything the store holds as of one index, framed like the log.
 * <pre>
 * snapshot 1 42                 format version, global index
 * service 40 orders             a service and the index of its last change
 * instance orders orders-1 {...}
 * end 1 1                       how many services and instances, so that a short file is caught
 * </pre>
 * It is written to a temporary file, fsync'd, renamed over the old one and the directory fsync'd: a crash leaves
 * either the old snapshot or the new one, never a part of one. Any damage in it is therefore corruption.
 */
final class SnapshotFile {

    private static final String FORMAT_VERSION = "1";

    static void write(Path file, Path temp, StoredRegistry registry) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Records.frame("snapshot " + FORMAT_VERSION + ' ' + registry.index()));
        registry.services().forEach((name, state) -> {
            out.writeBytes(Records.frame("service " + state.index() + ' ' + name));
            state.instances()
                    .forEach((id, registration) -> out.writeBytes(
                            Records.frame("instance " + name + ' ' + id + ' ' + LogFormat.json(registration))));
        });
        out.writeBytes(Records.frame("end " + registry.services().size() + ' ' + registry.instanceCount()));
        try (FileChannel channel = DataDirPermissions.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            Durable.writeFully(channel, ByteBuffer.wrap(out.toByteArray()));
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Durable.syncDirectory(requireNonNull(file.toAbsolutePath().getParent(), "parent"));
    }

    /** Reads the snapshot, or returns {@code null} if there is none yet. */
    static @Nullable StoredRegistry read(Path file) throws IOException {
        final byte[] data;
        try {
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        final RecordReader reader = new RecordReader(data);
        long index = -1;
        final SortedMap<ServiceName, Long> indexes = new TreeMap<>();
        final SortedMap<ServiceName, SortedMap<InstanceId, Registration>> services = new TreeMap<>();
        int instances = 0;
        while (reader.hasNext()) {
            final RecordReader.Line line = reader.next();
            if (line.payload() == null) {
                throw LogReplay.corrupt(
                        file,
                        line.number(),
                        line.terminated() ? "its checksum does not match" : "the line is cut short");
            }
            final String[] words = line.payload().split(" ", 4);
            try {
                if (line.number() == 1) {
                    if (!"snapshot".equals(words[0]) || words.length != 3 || !FORMAT_VERSION.equals(words[1])) {
                        throw new IllegalArgumentException("not a version " + FORMAT_VERSION + " snapshot header");
                    }
                    index = Long.parseLong(words[2]);
                    if (index < 0) {
                        throw new IllegalArgumentException("negative index " + index);
                    }
                    continue;
                }
                switch (words[0]) {
                    case "service":
                        LogFormat.expectWords(words, 3, line.payload());
                        final ServiceName name = ServiceName.of(words[2]);
                        indexes.put(name, LogFormat.parseIndex(words[1]));
                        services.put(name, new TreeMap<>());
                        break;
                    case "instance":
                        LogFormat.expectWords(words, 4, line.payload());
                        final SortedMap<InstanceId, Registration> of = services.get(ServiceName.of(words[1]));
                        if (of == null) {
                            throw new IllegalArgumentException(
                                    "an instance of " + words[1] + " before its service line");
                        }
                        of.put(InstanceId.of(words[2]), LogFormat.parseRegistration(words[3]));
                        instances++;
                        break;
                    case "end":
                        if (!("end " + services.size() + ' ' + instances).equals(line.payload())) {
                            throw new IllegalArgumentException("it counts other than " + services.size()
                                    + " services and " + instances + " instances");
                        }
                        if (reader.hasNext()) {
                            throw new IllegalArgumentException("lines follow the end");
                        }
                        return registry(index, indexes, services);
                    default:
                        throw new IllegalArgumentException("unknown record '" + words[0] + '\'');
                }
            } catch (IllegalArgumentException e) {
                throw LogReplay.corrupt(file, line.number(), e.getMessage());
            }
        }
        throw LogReplay.corrupt(file, Math.max(1, countLines(data)), "the file ends before its 'end' line");
    }

    private static StoredRegistry registry(
            long index,
            SortedMap<ServiceName, Long> indexes,
            SortedMap<ServiceName, SortedMap<InstanceId, Registration>> services) {
        final SortedMap<ServiceName, ServiceState> states = new TreeMap<>();
        // A service line puts the service in both maps.
        services.forEach((name, instances) ->
                states.put(name, new ServiceState(requireNonNull(indexes.get(name), "index"), instances)));
        return new StoredRegistry(index, states);
    }

    private static int countLines(byte[] data) {
        int lines = 0;
        for (byte b : data) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }

    private SnapshotFile() {}
}
