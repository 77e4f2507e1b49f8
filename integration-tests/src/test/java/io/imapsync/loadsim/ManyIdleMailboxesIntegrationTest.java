package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.Await;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 2,000 mailboxes, each with one connection in IDLE on INBOX, held at once by one Netty client
 * (4,000 sockets in this process with the simulator's side): every one reaches IDLE, every one
 * gets the delivery made to its mailbox and no other, the per-user counts say one each, and one
 * call drops them all. Behaviour only; no timing is asserted.
 */
@Tag("integration")
@Timeout(120)
class ManyIdleMailboxesIntegrationTest {
  private static final int MAILBOXES = 2_000;
  private static final Duration WAIT = Duration.ofSeconds(60);

  /** One client connection's view: which user, whether in IDLE, the EXISTS counts it was sent. */
  private static final class Client extends SimpleChannelInboundHandler<ByteBuf> {
    final String user;
    volatile boolean idling;
    final AtomicInteger lastExists = new AtomicInteger();
    final AtomicInteger existsPushes = new AtomicInteger();
    volatile String unexpected;

    Client(String user) {
      this.user = user;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      // Pipelined: the server answers in order, and the IDLE continuation comes last.
      ctx.writeAndFlush(Unpooled.copiedBuffer("a LOGIN " + user + " pw\r\nb SELECT INBOX\r\nc IDLE\r\n",
          StandardCharsets.US_ASCII));
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
      String line = msg.toString(StandardCharsets.US_ASCII);
      if (line.equals("+ idling")) {
        idling = true;
      } else if (idling && line.startsWith("* ") && line.endsWith(" EXISTS")) {
        lastExists.set(Integer.parseInt(line.substring(2, line.length() - 7)));
        existsPushes.incrementAndGet();
      } else if (idling || (line.startsWith("a ") || line.startsWith("b ")) && !line.contains(" OK ")) {
        unexpected = line;
      }
    }
  }

  @Test
  void twoThousandMailboxesIdleAtOnceAndEachGetsItsOwnDelivery() throws Exception {
    LoadSimConfig config = LoadSimConfig.builder().mailboxes(MAILBOXES).port(0)
        .bindAddresses(List.of("127.0.0.1", "127.0.0.2")).ioThreads(2).build();
    boolean epoll = Epoll.isAvailable();
    MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    List<Client> clients = new ArrayList<>();
    List<Channel> channels = new ArrayList<>();
    try (LoadSimulator sim = LoadSimulator.start(config)) {
      Bootstrap b = new Bootstrap().group(group)
          .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
      Semaphore inFlight = new Semaphore(256); // keeps the SYN backlog short
      for (int i = 1; i <= MAILBOXES; i++) {
        Client client = new Client(sim.userName(i));
        clients.add(client);
        InetSocketAddress to = sim.boundAddresses().get(i % 2);
        inFlight.acquire();
        ChannelFuture f = b.clone().handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new LineBasedFrameDecoder(8192), client);
          }
        }).connect(to);
        f.addListener(done -> inFlight.release());
        channels.add(f.channel());
      }
      Await.until("all " + MAILBOXES + " clients in IDLE", WAIT,
          () -> clients.stream().allMatch(c -> c.idling) && sim.idleConnections() == MAILBOXES);
      assertEquals(MAILBOXES, sim.authenticatedConnections());
      assertEquals(MAILBOXES, sim.connectionsPerUser().size());
      assertEquals(1, sim.maxConnectionsPerUser());
      assertTrue(clients.stream().allMatch(c -> c.unexpected == null));

      for (int i = 1; i <= MAILBOXES; i++) {
        sim.deliver(sim.userName(i), "INBOX");
      }
      Await.until("every mailbox told of its delivery", WAIT,
          () -> clients.stream().allMatch(c -> c.lastExists.get() == 21));
      assertTrue(clients.stream().allMatch(c -> c.existsPushes.get() == 1), "one push per mailbox");
      assertTrue(clients.stream().allMatch(c -> c.unexpected == null),
          clients.stream().filter(c -> c.unexpected != null).map(c -> c.unexpected).findFirst().orElse(""));

      sim.dropAllConnections();
      Await.until("the simulator counts no connection", WAIT, () -> sim.totalConnections() == 0);
      Await.until("every client sees its connection closed", WAIT, () -> channels.stream().noneMatch(Channel::isActive));
      Await.until("no session left idling", WAIT, () -> sim.idleConnections() == 0 && sim.authenticatedConnections() == 0);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }
}
