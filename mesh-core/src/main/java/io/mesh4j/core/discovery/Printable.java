package io.mesh4j.core.discovery;

/** Makes user input safe to quote in an error message: bounded and without control characters. */
final class Printable {

    private static final int MAX = 80;

    static String of(String s) {
        final StringBuilder out = new StringBuilder(Math.min(s.length(), MAX) + 3);
        for (int i = 0; i < s.length() && i < MAX; i++) {
            final char c = s.charAt(i);
            out.append(Character.isISOControl(c) ? '?' : c);
        }
        if (s.length() > MAX) {
            out.append("...");
        }
        return out.toString();
    }

    private Printable() {}
}
