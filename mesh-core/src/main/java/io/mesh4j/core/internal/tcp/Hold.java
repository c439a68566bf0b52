package io.mesh4j.core.internal.tcp;

import java.util.ArrayDeque;
import java.util.Queue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Keeps what a connection reads before it is piped anywhere: the bytes a client sends right after its TLS
 * handshake, while the mesh still authorizes it and connects it to its backend. {@link Pipe#connect} replaces it
 * and sends what it held on; a connection that closes first releases it. Nothing held ever reaches a backend that
 * the connection was not allowed to.
 */
public final class Hold extends ChannelInboundHandlerAdapter {

    /** Its name in a pipeline, which {@link Pipe#connect} looks for. */
    public static final String NAME = "mesh4j-hold";

    private final Queue<Object> held = new ArrayDeque<>();
    private boolean inputEnded;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        held.add(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (Pipe.isEndOfInput(evt)) {
            inputEnded = true;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    /** Whether the peer ended its side (a FIN, a TLS close_notify) before the connection was piped. */
    boolean inputEnded() {
        return inputEnded;
    }

    /** Hands over what was held, oldest first, and forgets it. */
    Queue<Object> drain() {
        final Queue<Object> drained = new ArrayDeque<>(held);
        held.clear();
        return drained;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        release();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        release();
    }

    private void release() {
        Object msg;
        while ((msg = held.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
