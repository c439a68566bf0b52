package io.mesh4j.benchmarks.hop;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.mesh4j.client.ClientStacks;
import io.mesh4j.core.stack.Role;
import io.mesh4j.server.ServerStacks;

/**
 * The mesh path, (c), with one layer of the default stacks removed through the public {@code Stack} API: a client
 * role from the client's stack only, or a server role from the server's stack only, the other side left whole. The
 * roles are read from {@code ClientStacks.defaults().roles()} and {@code ServerStacks.defaults().roles()}, so a role
 * that is added or renamed there is priced without a change here.
 *
 * <p>A client variant is a {@code MeshClient} of its own that calls the full server, {@code echo}. A server variant
 * is a {@code MeshServer} of its own, with an identity and a service name of its own ({@link #service()}), which the
 * full client calls: the mesh client finds a service by its name and accepts only a server that proves that name, so
 * each server variant must be a service of its own.
 *
 * @param side which stack the role is removed from
 * @param role the removed role, as the default stack of {@code side} has it
 */
record StackVariant(Side side, Role role) implements HopTarget {

    /** The service of the full mesh server. */
    static final String FULL_SERVICE = "echo";

    /** Which stack a variant removes its role from. */
    enum Side {
        CLIENT,
        SERVER;

        /** {@code client}, {@code server} */
        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The roles of this side's default stack, in request order. */
        List<Role> defaultRoles() {
            return this == CLIENT
                    ? ClientStacks.defaults().roles()
                    : ServerStacks.defaults().roles();
        }
    }

    /** {@code c-server-RATE_LIMIT} */
    @Override
    public String key() {
        return "c-" + side.id() + '-' + role.name();
    }

    /** {@code (c) minus server RATE_LIMIT} */
    @Override
    public String label() {
        return "(c) minus " + side.id() + ' ' + role.name();
    }

    /** The service this variant's requests go to: {@code echo}, or {@code echo-no-rate-limit} for a server variant. */
    String service() {
        return side == Side.CLIENT
                ? FULL_SERVICE
                : FULL_SERVICE + "-no-" + role.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The variants {@code selection} names, in the order of the default stacks, client first. Each entry is
     * {@code all}, a side ({@code client}, {@code server}), a role of a side ({@code server:AUTHZ}), or a role on
     * whichever sides have it ({@code TRACING}).
     *
     * @throws IllegalArgumentException for an entry that names no role of the default stacks, naming the roles
     */
    static List<StackVariant> select(List<String> selection) {
        final Set<StackVariant> selected = new LinkedHashSet<>();
        for (String entry : selection) {
            final List<StackVariant> matching = matching(entry.trim());
            if (matching.isEmpty()) {
                throw new IllegalArgumentException("role: " + entry + " (expected: all, client, server, a role such as "
                        + "TRACING, or side:ROLE; client roles " + Side.CLIENT.defaultRoles() + ", server roles "
                        + Side.SERVER.defaultRoles() + ')');
            }
            selected.addAll(matching);
        }
        // In stack order, whatever the order of the selection.
        return all().stream().filter(selected::contains).toList();
    }

    /** The variant of {@link #key()}. */
    static StackVariant ofKey(String key) {
        for (StackVariant variant : all()) {
            if (variant.key().equals(key)) {
                return variant;
            }
        }
        throw new IllegalArgumentException("stack variant: " + key + " (expected: one of " + all() + ')');
    }

    private static List<StackVariant> all() {
        final List<StackVariant> all = new ArrayList<>();
        for (Side side : Side.values()) {
            side.defaultRoles().forEach(role -> all.add(new StackVariant(side, role)));
        }
        return all;
    }

    private static List<StackVariant> matching(String entry) {
        final String lower = entry.toLowerCase(Locale.ROOT);
        final int colon = entry.indexOf(':');
        return all().stream()
                .filter(variant -> lower.equals("all")
                        || lower.equals(variant.side.id())
                        || (colon < 0 && entry.equalsIgnoreCase(variant.role.name()))
                        || (colon > 0
                                && lower.substring(0, colon).equals(variant.side.id())
                                && entry.substring(colon + 1).equalsIgnoreCase(variant.role.name())))
                .toList();
    }

    @Override
    public String toString() {
        return key();
    }
}
