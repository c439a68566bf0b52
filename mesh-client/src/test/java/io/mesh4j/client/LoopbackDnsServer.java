package io.mesh4j.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;

/**
 * A real DNS server on a loopback UDP port, answering A and SRV questions from maps the test changes, with a TTL of
 * one second; every other question (AAAA included) gets an answer with no records. Built on Netty's DNS codec, which
 * Armeria's resolver already brings.
 */
final class LoopbackDnsServer implements AutoCloseable {

    /** One SRV record's answer. */
    record Srv(int weight, int port, String target) {}

    private final Map<String, List<InetAddress>> addresses = new ConcurrentHashMap<>();
    private final Map<String, List<Srv>> services = new ConcurrentHashMap<>();
    private final AtomicInteger questions = new AtomicInteger();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;

    LoopbackDnsServer() throws InterruptedException {
        channel = new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline()
                                .addLast(new DatagramDnsQueryDecoder())
                                .addLast(new DatagramDnsResponseEncoder())
                                .addLast(new Answerer());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .sync()
                .channel();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Answers A questions for {@code name} with {@code hosts} from now on. */
    void a(String name, InetAddress... hosts) {
        addresses.put(name, List.of(hosts));
    }

    /** Answers SRV questions for {@code name} with {@code records} from now on. */
    void srv(String name, Srv... records) {
        services.put(name, List.of(records));
    }

    int questions() {
        return questions.get();
    }

    private final class Answerer extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            questions.incrementAndGet();
            final DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            final DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setRecursionAvailable(true);
            response.addRecord(DnsSection.QUESTION, question);
            final String name = question.name().endsWith(".")
                    ? question.name().substring(0, question.name().length() - 1)
                    : question.name();
            if (question.type() == DnsRecordType.A) {
                for (InetAddress host : addresses.getOrDefault(name, List.of())) {
                    response.addRecord(
                            DnsSection.ANSWER,
                            new DefaultDnsRawRecord(
                                    question.name(), DnsRecordType.A, 1, Unpooled.wrappedBuffer(host.getAddress())));
                }
            } else if (question.type() == DnsRecordType.SRV) {
                for (Srv srv : services.getOrDefault(name, List.of())) {
                    final ByteBuf content = Unpooled.buffer();
                    content.writeShort(0).writeShort(srv.weight()).writeShort(srv.port());
                    for (String label : srv.target().split("\\.")) {
                        final byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
                        content.writeByte(bytes.length).writeBytes(bytes);
                    }
                    content.writeByte(0);
                    response.addRecord(
                            DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.SRV, 1, content));
                }
            }
            ctx.writeAndFlush(response);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
