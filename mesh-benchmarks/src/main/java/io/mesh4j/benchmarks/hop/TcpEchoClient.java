package io.mesh4j.benchmarks.hop;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.AggregatedHttpResponse;
import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.mesh4j.benchmarks.load.Call;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

/**
 * The TCP paths' client: a request–response loop of {@link JsonEcho#BODY}, framed by a 4-byte length, over one
 * connection per request in flight. A call takes the idle connection used last, or opens one when none is idle (so
 * a closed loop of N in flight ends up with N connections, opened in its warm-up), sends one frame and completes
 * when the whole frame has come back. The raw path (g) connects over mTLS to a {@link TcpEchoServer}; the mesh path (h)
 * connects in plain to the mesh's forward on loopback, which balances and wraps mTLS itself.
 *
 * <p>At most {@link #MAX_CONNECTIONS} are open: past that a call waits for one to be free, as a pooled client (Jedis,
 * a JDBC pool) does. Otherwise a stall in a fixed-rate phase opens a TLS connection per late call, and the phase
 * measures a storm of handshakes (on the mesh path, past the server's 1,024 connections) instead of the path.
 */
final class TcpEchoClient implements Call, AutoCloseable {

    private static final int LENGTH_BYTES = 4;
    /** What every answer must be, to compare with. */
    private static final ByteBuf ECHO = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(JsonEcho.BODY));

    private final InetSocketAddress address;
    private final @Nullable SslContext tls;
    private final EventLoopGroup loops = CommonPools.workerGroup();
    /** As many as the most requests in flight of the closed-loop phases. */
    static final int MAX_CONNECTIONS = 64;

    private final Object lock = new Object();
    /** Last used first, so that fewer requests in flight than connections keep to the same few, warm ones. */
    private final Deque<Connection> idle = new ArrayDeque<>(); // guarded by lock
    /** Calls waiting for a connection, first come first served. */
    private final Queue<CompletableFuture<Connection>> waiting = new ArrayDeque<>(); // guarded by lock
    /** Connections open or opening. */
    private int connections; // guarded by lock

    private final Queue<Channel> opened = new ConcurrentLinkedQueue<>();

    /** A client of {@code address}, over TLS with {@code tls}, else plain. */
    TcpEchoClient(InetSocketAddress address, @Nullable SslContext tls) {
        this.address = address;
        this.tls = tls;
    }

    @Override
    public CompletableFuture<AggregatedHttpResponse> send() {
        final CompletableFuture<Connection> taken = new CompletableFuture<>();
        final @Nullable Connection connection;
        final boolean mayOpen;
        synchronized (lock) {
            connection = idle.pollFirst();
            mayOpen = connection == null && connections < MAX_CONNECTIONS;
            if (mayOpen) {
                connections++;
            } else if (connection == null) {
                waiting.add(taken);
            }
        }
        if (connection != null) {
            return connection.send();
        }
        if (mayOpen) {
            openFor(taken);
        }
        return taken.thenCompose(Connection::send);
    }

    /** Opens a connection (its slot already counted) for {@code taker}, or fails it with why none opened. */
    private void openFor(CompletableFuture<Connection> taker) {
        final Connection connection = new Connection();
        open(connection).whenComplete((opened, cause) -> {
            if (cause == null) {
                taker.complete(opened);
                return;
            }
            uncount(connection);
            taker.completeExceptionally(cause);
        });
    }

    /** Frees the slot of {@code connection}, once however many ways it failed or closed. */
    private boolean uncount(Connection connection) {
        synchronized (lock) {
            if (!connection.counted) {
                return false;
            }
            connection.counted = false;
            connections--;
            return true;
        }
    }

    /** Gives a connection whose answer came back to the first waiting call, or makes it idle. */
    private void release(Connection connection) {
        final @Nullable CompletableFuture<Connection> taker;
        synchronized (lock) {
            taker = waiting.poll();
            if (taker == null) {
                idle.offerFirst(connection);
            }
        }
        if (taker != null) {
            taker.complete(connection);
        }
    }

    /** A connection closed: its slot goes to the first waiting call, if any, as a new connection. */
    private void closed(Connection connection) {
        final @Nullable CompletableFuture<Connection> taker;
        if (!uncount(connection)) {
            return;
        }
        synchronized (lock) {
            idle.remove(connection);
            taker = waiting.poll();
            if (taker != null) {
                connections++;
            }
        }
        if (taker != null) {
            openFor(taker);
        }
    }

    private CompletableFuture<Connection> open(Connection connection) {
        final CompletableFuture<Connection> ready = new CompletableFuture<>();
        final ChannelFuture connect = new Bootstrap()
                .group(loops)
                .channel(EventLoopGroups.socketChannelType(loops))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (tls != null) {
                            channel.pipeline()
                                    .addLast(tls.newHandler(
                                            channel.alloc(), address.getHostString(), address.getPort()));
                        }
                        channel.pipeline()
                                .addLast(new LengthFieldBasedFrameDecoder(64 * 1024, 0, LENGTH_BYTES, 0, LENGTH_BYTES))
                                .addLast(connection);
                    }
                })
                .connect(address);
        connect.addListener(unused -> {
            if (!connect.isSuccess()) {
                ready.completeExceptionally(connect.cause());
                return;
            }
            final Channel channel = connect.channel();
            opened.add(channel);
            connection.channel = channel;
            final @Nullable SslHandler handshake = channel.pipeline().get(SslHandler.class);
            if (handshake == null) {
                ready.complete(connection);
                return;
            }
            handshake.handshakeFuture().addListener(done -> {
                if (done.isSuccess()) {
                    ready.complete(connection);
                } else {
                    ready.completeExceptionally(done.cause());
                }
            });
        });
        return ready;
    }

    @Override
    public void close() {
        opened.forEach(Channel::close);
    }

    /** One connection, owned by one call at a time: it is in {@link #idle} only while no call has it. */
    private final class Connection extends SimpleChannelInboundHandler<ByteBuf> {

        volatile @Nullable Channel channel;
        /** Whether it holds one of the {@link #MAX_CONNECTIONS} slots still. */
        boolean counted = true; // guarded by lock

        private volatile @Nullable CompletableFuture<AggregatedHttpResponse> pending;

        CompletableFuture<AggregatedHttpResponse> send() {
            final CompletableFuture<AggregatedHttpResponse> answer = new CompletableFuture<>();
            final @Nullable Channel current = channel;
            if (current == null || !current.isActive()) {
                return CompletableFuture.failedFuture(new ClosedChannelException());
            }
            pending = answer;
            final ByteBuf frame = current.alloc().buffer(LENGTH_BYTES + JsonEcho.BODY.length);
            frame.writeInt(JsonEcho.BODY.length).writeBytes(JsonEcho.BODY);
            current.writeAndFlush(frame, current.voidPromise());
            return answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            final @Nullable CompletableFuture<AggregatedHttpResponse> answer = pending;
            pending = null;
            if (answer == null) {
                ctx.close();
                return;
            }
            if (!ByteBufUtil.equals(frame, ECHO)) {
                answer.completeExceptionally(new IllegalStateException("the TCP echo answered other bytes than it "
                        + "was sent (expected: " + Arrays.toString(JsonEcho.BODY) + ')'));
                ctx.close();
                return;
            }
            // Free again before the caller hears, so that its next call (sent from this callback) reuses it.
            release(this);
            answer.complete(GrpcEcho.ECHOED);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closed(this);
            final @Nullable CompletableFuture<AggregatedHttpResponse> answer = pending;
            pending = null;
            if (answer != null) {
                answer.completeExceptionally(new ClosedChannelException());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            final @Nullable CompletableFuture<AggregatedHttpResponse> answer = pending;
            pending = null;
            if (answer != null) {
                answer.completeExceptionally(cause);
            }
            ctx.close();
        }
    }
}
