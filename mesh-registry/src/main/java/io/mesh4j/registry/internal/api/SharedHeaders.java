package io.mesh4j.registry.internal.api;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;

import io.mesh4j.core.internal.registry.RegistryClient;

/**
 * The headers of the watch answers of one index, made once and shared by every answer with that index and body
 * length: a change wakes a thousand watches that all answer the same bytes, and each used to build the same headers
 * and then copy them again for the content length ({@link HttpResponse#of(ResponseHeaders, HttpData)} always
 * does). Headers are immutable, so sharing them is safe; the last ones made are kept, which is all one change's
 * wake-up needs.
 */
final class SharedHeaders {

    private record Made(long index, int length, ResponseHeaders headers) {}

    private volatile @Nullable Made last;

    /**
     * A watch answer of {@code index}: {@code json}, with the index also in the {@code X-Mesh-Index} header, as
     * {@link JsonResponses#indexed(long, HttpData)} answers it.
     */
    HttpResponse indexed(long index, HttpData json) {
        final int length = json.length();
        @Nullable Made made = last;
        if (made == null || made.index() != index || made.length() != length) {
            made = new Made(
                    index,
                    length,
                    ResponseHeaders.builder(HttpStatus.OK)
                            .contentType(MediaType.JSON_UTF_8)
                            .set(RegistryClient.INDEX_HEADER, Long.toString(index))
                            .contentLength(length)
                            .build());
            last = made;
        }
        // The headers already carry the content length: the array form sends them as they are.
        return HttpResponse.of(new HttpObject[] {made.headers(), json});
    }
}
