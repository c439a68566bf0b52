package io.mesh4j.core.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import com.linecorp.armeria.common.Flags;
import com.linecorp.armeria.common.util.EventLoopGroups;
import com.linecorp.armeria.common.util.ThreadFactories;
import com.linecorp.armeria.common.util.TransportType;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;

/**
 * The event loop that accepts a server's connections, made so that stopping an Armeria server does not take 2 s.
 *
 * <p>Armeria 1.36 stops a server's boss group with {@code channel.eventLoop().parent().shutdownGracefully()}, the
 * Netty default of a 2 s quiet period, whatever the group was built with (its builder wraps the group, and the
 * wrapper is not the loop's parent). Every stop of a registry or a mesh server, in every test that starts one,
 * would wait those 2 s with nothing left to do: the port is closed by then. A group whose own {@code shutdownGracefully()} has no
 * quiet period fixes that, for the epoll and NIO transports; any other keeps Armeria's group (and the 2 s).
 */
public final class BossGroups {

    private static final long SHUTDOWN_TIMEOUT_SECONDS = 2;

    public static EventLoopGroup newBossGroup(String threadName) {
        final TransportType transport = Flags.transportType();
        final IoHandlerFactory handlers;
        if (transport == TransportType.EPOLL) {
            handlers = EpollIoHandler.newFactory();
        } else if (transport == TransportType.NIO) {
            handlers = NioIoHandler.newFactory();
        } else {
            return EventLoopGroups.newEventLoopGroup(1, ThreadFactories.newThreadFactory(threadName, false));
        }
        // Not a daemon, like Armeria's own: a serving server keeps its process alive.
        return new QuickStopGroup(ThreadFactories.newThreadFactory(threadName, false), handlers);
    }

    private static final class QuickStopGroup extends MultiThreadIoEventLoopGroup {

        QuickStopGroup(ThreadFactory threadFactory, IoHandlerFactory handlers) {
            super(1, threadFactory, handlers);
        }

        @Override
        public Future<?> shutdownGracefully() {
            return shutdownGracefully(0, SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private BossGroups() {}
}
