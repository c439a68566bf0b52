package io.mesh4j.core.internal.tcp;

import static java.util.Objects.requireNonNull;

import java.util.Queue;
import java.util.function.LongConsumer;

import org.jspecify.annotations.Nullable;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;

/**
 * Copies the bytes one channel reads to another, and is its twin's mirror: {@link #connect} joins two channels with
 * a pipe each way.
 *
 * <ul>
 *   <li>Backpressure: a channel stops reading while its peer cannot take more (the peer's outbound buffer is above
 *       its high-water mark) and reads again once the peer has drained below the low-water mark. A slow reader on
 *       one side slows the writer on the other instead of filling the heap.
 *   <li>Half-close: when one side ends its output (a FIN on a plain socket, a close_notify on TLS), the other side's
 *       output is ended after the bytes before it, and the connection stays open the other way until that side
 *       ends too. On a plain socket that is a FIN; on TLS a close_notify, which ends the TLS session's direction.
 *   <li>Close: when either channel closes or fails, the other is closed once the bytes already written to it are
 *       flushed.
 * </ul>
 */
public final class Pipe extends ChannelInboundHandlerAdapter {

    private static final String NAME = "mesh4j-pipe";

    private final Channel to;
    private final LongConsumer bytesCopied;
    private final Ends ends;

    /** How many of the two directions have ended; both ended, both channels close. */
    private static final class Ends {
        private int ended;

        synchronized boolean endOneAndCheckBoth() {
            return ++ended == 2;
        }
    }

    private Pipe(Channel to, LongConsumer bytesCopied, Ends ends) {
        this.to = to;
        this.bytesCopied = bytesCopied;
        this.ends = ends;
    }

    /**
     * Pipes {@code a} and {@code b} both ways and starts them reading. What a {@link Hold} in either pipeline held
     * is sent on first. Both channels should run on one event loop, so that a copy never crosses threads.
     *
     * @param aToB told the size of every chunk copied from {@code a} to {@code b}
     * @param bToA told the size of every chunk copied from {@code b} to {@code a}
     */
    public static void connect(Channel a, Channel b, LongConsumer aToB, LongConsumer bToA) {
        requireNonNull(a, "a");
        requireNonNull(b, "b");
        final Ends ends = new Ends();
        final Pipe ab = new Pipe(b, aToB, ends);
        final Pipe ba = new Pipe(a, bToA, ends);
        install(a, ab);
        install(b, ba);
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);
    }

    private static void install(Channel channel, Pipe pipe) {
        final @Nullable Hold hold = (Hold) channel.pipeline().get(Hold.NAME);
        if (hold == null) {
            channel.pipeline().addLast(NAME, pipe);
            return;
        }
        final Queue<Object> held = hold.drain();
        final boolean ended = hold.inputEnded();
        channel.pipeline().replace(Hold.NAME, NAME, pipe);
        for (Object msg : held) {
            pipe.copy(msg);
        }
        if (!held.isEmpty()) {
            pipe.to.flush();
        }
        if (ended) {
            pipe.inputEnded(channel);
        }
        if (!channel.isActive()) {
            pipe.closePeer();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        copy(msg);
    }

    private void copy(Object msg) {
        if (msg instanceof ByteBuf buf) {
            bytesCopied.accept(buf.readableBytes());
        } else if (msg instanceof ByteBufHolder holder) {
            bytesCopied.accept(holder.content().readableBytes());
        }
        to.write(msg, to.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        to.flush();
        if (!to.isWritable()) {
            // The peer's buffer is full: stop reading until it drains (channelWritabilityChanged of its pipe).
            ctx.channel().config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            // This channel drained what its peer sent: the peer may read again.
            to.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (isEndOfInput(evt)) {
            inputEnded(ctx.channel());
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** Whether {@code evt} says the peer of a channel has ended what it sends: a FIN, or a TLS close_notify. */
    static boolean isEndOfInput(Object evt) {
        return evt == ChannelInputShutdownEvent.INSTANCE || evt instanceof SslCloseCompletionEvent;
    }

    private void inputEnded(Channel from) {
        if (ends.endOneAndCheckBoth()) {
            from.close();
            closePeer();
            return;
        }
        // After the bytes before it: a write's listener runs once the bytes are on their way.
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) written -> endOutput(to));
    }

    private static void endOutput(Channel channel) {
        final @Nullable SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls != null) {
            tls.closeOutbound();
        } else if (channel instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        } else {
            channel.close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closePeer();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        closePeer();
    }

    private void closePeer() {
        if (to.isActive()) {
            to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
