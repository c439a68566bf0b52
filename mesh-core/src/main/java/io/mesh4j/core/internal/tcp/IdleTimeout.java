package io.mesh4j.core.internal.tcp;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Closes a piped connection that has carried no byte either way for its idle timeout, as Envoy's TCP proxy does
 * ({@code idle_timeout}, one hour by default in Istio). It watches one channel of the pair, the plain one: every
 * byte piped is read from it or written to it. Closing it closes its twin through the {@link Pipe}, after what was
 * already written to it (a close_notify on TLS).
 */
public final class IdleTimeout extends IdleStateHandler {

    private static final String NAME = "mesh4j-idle-timeout";

    private final Runnable onIdle;

    private IdleTimeout(Duration timeout, Runnable onIdle) {
        super(0, 0, timeout.toNanos(), TimeUnit.NANOSECONDS);
        this.onIdle = onIdle;
    }

    /**
     * Watches {@code channel}, a channel already {@linkplain Pipe#connect piped}; nothing when {@code timeout} is
     * zero. Call on the channel's event loop.
     *
     * @param onIdle told once, when the connection is closed for being idle, such as to count it
     */
    public static void install(Channel channel, Duration timeout, Runnable onIdle) {
        requireNonNull(channel, "channel");
        requireNonNull(onIdle, "onIdle");
        if (timeout.isZero() || !channel.isActive()) {
            return;
        }
        channel.pipeline().addFirst(NAME, new IdleTimeout(timeout, onIdle));
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (ctx.channel().isActive()) {
            onIdle.run();
            ctx.close();
        }
    }
}
