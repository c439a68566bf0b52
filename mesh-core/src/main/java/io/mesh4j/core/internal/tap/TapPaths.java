package io.mesh4j.core.internal.tap;

/** The path a tap record shows: without its query string (where secrets ride), cut to {@link TapRecord#MAX_PATH}. */
public final class TapPaths {

    /** {@code path} without a query string, at most {@link TapRecord#MAX_PATH} characters, starting with {@code /}. */
    public static String of(String path) {
        final int query = path.indexOf('?');
        String shown = query >= 0 ? path.substring(0, query) : path;
        if (!shown.startsWith("/")) {
            shown = '/' + shown;
        }
        return shown.length() <= TapRecord.MAX_PATH ? shown : shown.substring(0, TapRecord.MAX_PATH);
    }

    private TapPaths() {}
}
