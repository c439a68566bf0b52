package io.mesh4j.benchmarks.hop;

import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Deque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
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
 */
final class TcpEchoClient implements Call, AutoCloseable {

    private static final int LENGTH_BYTES = 4;
    /** What every answer must be, to compare with. */
    private static final ByteBuf ECHO = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(JsonEcho.BODY));

    private final InetSocketAddress address;
    private final @Nullable SslContext tls;
    private final EventLoopGroup loops = CommonPools.workerGroup();
    /** Last used first, so that fewer requests in flight than connections keep to the same few, warm ones. */
    private final Deque<Connection> idle = new ConcurrentLinkedDeque<>();

    private final Queue<Channel> opened = new ConcurrentLinkedQueue<>();

    /** A client of {@code address}, over TLS with {@code tls}, else plain. */
    TcpEchoClient(InetSocketAddress address, @Nullable SslContext tls) {
        this.address = address;
        this.tls = tls;
    }

    @Override
    public CompletableFuture<AggregatedHttpResponse> send() {
        final @Nullable Connection connection = idle.pollFirst();
        if (connection != null) {
            return connection.send();
        }
        return open().thenCompose(Connection::send);
    }

    private CompletableFuture<Connection> open() {
        final CompletableFuture<Connection> ready = new CompletableFuture<>();
        final Connection connection = new Connection();
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
            // Idle again before the caller hears, so that its next call (sent from this callback) reuses it.
            idle.offerFirst(this);
            answer.complete(GrpcEcho.ECHOED);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            idle.remove(this);
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
