package io.mesh4j.registry.internal.api;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;

import io.mesh4j.core.discovery.ServiceName;
import io.mesh4j.registry.internal.documents.DocumentStore.Versioned;

/**
 * The JSON answer of each service's latest document, written once per index and shared by every watch that one
 * change wakes and every read after it, instead of written again for each of them.
 *
 * @param <T> the document
 */
final class LatestAnswers<T> {

    private record Answer(long index, byte[] json) {}

    private final Function<Versioned<T>, byte[]> writer;
    private final Map<ServiceName, Answer> answers = new ConcurrentHashMap<>();
    /**
     * The latest answer for a service without a document: the same bytes whatever the name, at the index of the
     * last change of every service's answer (the mesh-wide default policy). Kept once here rather than per name,
     * since anyone may read any name (issue 16).
     */
    private final AtomicReference<Answer> none;

    LatestAnswers(Function<Versioned<T>, byte[]> writer) {
        this.writer = requireNonNull(writer, "writer");
        none = new AtomicReference<>(new Answer(0, writer.apply(new Versioned<>(0, null))));
    }

    /** The body that answers {@code versioned}, the service's document at its index. */
    HttpData of(ServiceName service, Versioned<T> versioned) {
        if (versioned.document() == null) {
            final Answer cached = requireNonNull(none.get(), "none");
            if (cached.index() == versioned.index()) {
                return HttpData.wrap(cached.json());
            }
            final Answer answer = new Answer(versioned.index(), writer.apply(versioned));
            if (answer.index() > cached.index()) {
                none.compareAndSet(cached, answer);
            }
            return HttpData.wrap(answer.json());
        }
        final @Nullable Answer cached = answers.get(service);
        if (cached != null && cached.index() == versioned.index()) {
            return HttpData.wrap(cached.json());
        }
        // Written inside compute, so that the watches woken together wait for one writing rather than each doing
        // its own; an older index (a slow reader) is answered without replacing a newer one.
        final Answer answer = answers.compute(service, (name, current) -> {
            if (current != null && current.index() >= versioned.index()) {
                return current;
            }
            return new Answer(versioned.index(), writer.apply(versioned));
        });
        return HttpData.wrap(answer.index() == versioned.index() ? answer.json() : writer.apply(versioned));
    }

    /** How many services have an answer kept: only those that have, or had, a document. */
    int size() {
        return answers.size();
    }
}
