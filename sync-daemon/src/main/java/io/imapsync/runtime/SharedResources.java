package io.imapsync.runtime;

import io.imapsync.metrics.DaemonMetrics;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide resources every part borrows and none shuts down but the owner: one Netty
 * event loop group (epoll when available) shared by all IMAP sessions and by Lettuce, Lettuce's
 * client resources bound to that group (its I/O and its timer), a bounded worker pool for CPU-heavy work (MIME
 * parsing) that must never run on an event loop, and the process's meters.
 *
 * <p>Each event loop also has Lettuce resources pinned to it ({@link #lettuceResourcesOn}): a Redis
 * connection opened with them lives on that loop, so an account whose IMAP sessions and Redis
 * connection share a loop sees its Redis replies on the thread that runs its sessions, with no
 * hand-over between threads.
 */
public final class SharedResources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SharedResources.class);

  private final MultiThreadIoEventLoopGroup eventLoops;
  private final Class<? extends SocketChannel> socketChannelClass;
  private final ClientResources lettuceResources;
  private final List<EventLoop> loops;
  private final Map<EventLoop, ClientResources> pinnedLettuce = new IdentityHashMap<>();
  private final ExecutorService workers;
  private final DaemonMetrics metrics;
  private final boolean epoll;

  private SharedResources(int eventLoopThreads, int workerThreads, int workerQueue) {
    this.epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.eventLoops = new MultiThreadIoEventLoopGroup(eventLoopThreads,
        new DefaultThreadFactory("imap-sync-io", true), io);
    this.socketChannelClass = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    this.lettuceResources = DefaultClientResources.builder()
        .eventLoopGroupProvider(new BorrowedGroupProvider(eventLoops, eventLoopThreads))
        .computationThreadPoolSize(1)
        .timer(new EventLoopTimer(eventLoops))
        .build();
    List<EventLoop> all = new ArrayList<>();
    for (EventExecutor e : eventLoops) {
      EventLoop loop = (EventLoop) e;
      all.add(loop);
      // mutate() shares everything (timer, computation group, event bus); only the loop differs.
      pinnedLettuce.put(loop, lettuceResources.mutate().eventLoopGroupProvider(new BorrowedGroupProvider(loop, 1)).build());
    }
    this.loops = List.copyOf(all);
    // Bounded queue + caller-runs would run MIME parsing on an event loop; instead the queue is
    // large and submitters apply backpressure by awaiting their batch before fetching more.
    this.workers = new ThreadPoolExecutor(workerThreads, workerThreads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(workerQueue), new DefaultThreadFactory("imap-sync-worker", true),
        new ThreadPoolExecutor.AbortPolicy());
    this.metrics = DaemonMetrics.create();
    log.info("shared resources: {} event loop threads ({}), {} worker threads",
        eventLoopThreads, epoll ? "epoll" : "nio", workerThreads);
  }

  /** Sized to the machine: one event loop per core, workers = cores. */
  public static SharedResources create() {
    int cores = Runtime.getRuntime().availableProcessors();
    return new SharedResources(cores, Math.max(1, cores), 10_000);
  }

  public static SharedResources create(int eventLoopThreads, int workerThreads) {
    return new SharedResources(eventLoopThreads, workerThreads, 10_000);
  }

  public EventLoopGroup eventLoops() {
    return eventLoops;
  }

  /** The group's event loops, in a fixed order. */
  public List<EventLoop> loops() {
    return loops;
  }

  /**
   * Lettuce resources whose connections are registered on {@code loop} only (reconnects too):
   * their replies and the continuations of their commands run on that loop.
   */
  public ClientResources lettuceResourcesOn(EventLoop loop) {
    ClientResources pinned = pinnedLettuce.get(loop);
    if (pinned == null) {
      throw new IllegalArgumentException("not one of the shared event loops: " + loop);
    }
    return pinned;
  }

  public Class<? extends SocketChannel> socketChannelClass() {
    return socketChannelClass;
  }

  /** Server sockets on the same transport as the clients (the admin HTTP server). */
  public Class<? extends ServerSocketChannel> serverChannelClass() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public DaemonMetrics metrics() {
    return metrics;
  }

  public ClientResources lettuceResources() {
    return lettuceResources;
  }

  /** For MIME parsing and other CPU-bound work; never blocks on I/O. */
  public ExecutorService workers() {
    return workers;
  }

  public boolean epoll() {
    return epoll;
  }

  @Override
  public void close() {
    for (ClientResources pinned : pinnedLettuce.values()) {
      pinned.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
    lettuceResources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    workers.shutdownNow();
    eventLoops.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    metrics.close();
  }

  /**
   * Hands Lettuce a group of ours (the whole group, or one loop of it); releasing it is a no-op
   * because Lettuce does not own it. Lettuce asks for a {@link MultiThreadIoEventLoopGroup}; one
   * loop is not one, but Lettuce only uses the answer as an {@link EventLoopGroup} (a loop is a
   * group of one), so for a loop the unchecked cast is safe: every connection of a client on those
   * resources, reconnects included, registers on that loop.
   */
  private static final class BorrowedGroupProvider implements EventLoopGroupProvider {
    private final EventLoopGroup group;
    private final int threads;

    BorrowedGroupProvider(EventLoopGroup group, int threads) {
      this.group = group;
      this.threads = threads;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T extends EventLoopGroup> T allocate(Class<T> type) {
      if (type.isInstance(group) || group instanceof EventLoop) {
        return (T) group;
      }
      throw new IllegalStateException("Lettuce asked for " + type.getName()
          + "; the shared group is " + group.getClass().getName());
    }

    @Override
    public int threadPoolSize() {
      return threads;
    }

    @Override
    public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout,
        TimeUnit unit) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }

    @Override
    public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
      return ImmediateEventExecutor.INSTANCE.newSucceededFuture(true);
    }
  }
}
