package io.mesh4j.benchmarks.hop;

import java.net.InetSocketAddress;

import org.jspecify.annotations.Nullable;

import com.linecorp.armeria.common.CommonPools;
import com.linecorp.armeria.common.util.EventLoopGroups;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;

/**
 * The TCP paths' server: every byte a connection sends comes back on it, as a backend of the mesh's TCP forward
 * would answer, with no framing of its own. With a TLS context it is the raw path's server (g), without one the
 * plain backend behind the mesh server's TCP listener (h). On Armeria's worker event loops, as the mesh's TCP
 * listener and forward are, so that every path runs on the same threads.
 */
final class TcpEchoServer implements AutoCloseable {

    private final Channel listening;
    private final ChannelGroup connections;

    private TcpEchoServer(Channel listening, ChannelGroup connections) {
        this.listening = listening;
        this.connections = connections;
    }

    /** Listens on a free loopback port, over TLS with {@code tls}, else plain. */
    static TcpEchoServer start(@Nullable SslContext tls) {
        final EventLoopGroup loops = CommonPools.workerGroup();
        final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        final Channel listening = new ServerBootstrap()
                .group(loops)
                .channel(EventLoopGroups.serverChannelType(loops))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        connections.add(channel);
                        if (tls != null) {
                            channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                        }
                        channel.pipeline().addLast(Echo.INSTANCE);
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .syncUninterruptibly()
                .channel();
        return new TcpEchoServer(listening, connections);
    }

    int port() {
        return ((InetSocketAddress) listening.localAddress()).getPort();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) listening.localAddress();
    }

    @Override
    public void close() {
        listening.close().syncUninterruptibly();
        connections.close().syncUninterruptibly();
    }

    /** Writes back what it reads, flushing once per read burst as a server that echoes would. */
    @ChannelHandler.Sharable
    private static final class Echo extends ChannelInboundHandlerAdapter {

        static final Echo INSTANCE = new Echo();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
