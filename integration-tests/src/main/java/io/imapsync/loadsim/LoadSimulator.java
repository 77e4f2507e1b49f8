package io.imapsync.loadsim;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An IMAP4rev1 server for load tests: a fixed population of users ({@code user00001}...), each
 * with INBOX and a few SPECIAL-USE folders of generated messages, changed by a seeded schedule
 * or through this API, pushed to IDLE sessions; built to hold 100,000+ mailboxes and tens of
 * thousands of connections in little memory (see {@link Folder} and {@link ServerSession}).
 *
 * <p>Start one with {@link #start(LoadSimConfig)}, drive it from tests or a benchmark, and
 * {@link #close()} it. Several processes can share one population and one schedule: give each
 * the same seed, mailbox count, rates and {@code startAtMillis}, and its own
 * {@code process(index, count)}; process i serves the users with {@code (n - 1) % count == i}
 * ({@link #processOf}) and answers LOGIN for any other user with {@code NO [UNAVAILABLE]}, so a
 * client sent to the wrong process notices. Connection counts are per process, which is where
 * each user's connections are.
 *
 * <p>All methods are thread-safe. Changes made here are visible to IMAP clients when the method
 * returns, and are stamped like scheduled ones.
 */
public final class LoadSimulator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoadSimulator.class);

  private final LoadSimConfig config;
  private final Population population;
  private final MailStore store;
  private final ServerContext cx;
  private final Scheduler scheduler;
  private final MultiThreadIoEventLoopGroup group;
  private final boolean epoll;
  private final List<Channel> servers = new ArrayList<>();
  private final List<InetSocketAddress> bound = new ArrayList<>();
  private volatile boolean closed;

  private LoadSimulator(LoadSimConfig config, Corpus corpus) {
    this.config = config;
    long startAt = config.startAtMillis() == 0 ? System.currentTimeMillis() : config.startAtMillis();
    this.population = new Population(config, startAt);
    MessageGenerator generator = new MessageGenerator(population, corpus);
    this.store = new MailStore(population, generator, config.listener());
    this.cx = new ServerContext(config, population, store, generator);
    this.scheduler = new Scheduler(config, population, store);
    this.epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("loadsim-io", true), io);
  }

  /** Binds every address and starts the schedule; throws if an address cannot be bound. */
  public static LoadSimulator start(LoadSimConfig config) throws IOException {
    Objects.requireNonNull(config, "config");
    Corpus corpus = config.corpus() == null ? null : Corpus.load(config.corpus());
    LoadSimulator sim = new LoadSimulator(config, corpus);
    try {
      sim.bind();
    } catch (IOException | RuntimeException e) {
      sim.close();
      throw e;
    }
    sim.scheduler.start();
    log.info("load simulator: {} on {} ({}), process {} of {} serving {} of {} users",
        config, sim.bound, sim.transport(), config.processIndex(), config.processCount(),
        sim.population.ownedCount(), config.mailboxes());
    return sim;
  }

  private void bind() throws IOException {
    Class<? extends ServerChannel> serverClass = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    ServerBootstrap b = new ServerBootstrap()
        .group(group)
        .channel(serverClass)
        // Reconnect storms: tens of thousands of SYNs at once (the kernel caps it at somaxconn).
        .option(ChannelOption.SO_BACKLOG, 65_535)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (config.tls() != null) {
              ch.pipeline().addLast("tls", config.tls().newHandler(ch.alloc()));
            }
            ch.pipeline().addLast(
                new CommandFrameDecoder(cx.maxLineLength, cx.maxLiteralSize, cx.maxCommandSize),
                new ServerSession(cx));
          }
        });
    int port = config.port();
    for (String address : config.bindAddresses()) {
      InetAddress addr = InetAddress.getByName(address);
      ChannelFuture f = b.bind(addr, port).awaitUninterruptibly();
      if (!f.isSuccess()) {
        throw new IOException("cannot listen on " + address + ":" + port + ": " + f.cause().getMessage(), f.cause());
      }
      servers.add(f.channel());
      InetSocketAddress local = (InetSocketAddress) f.channel().localAddress();
      bound.add(local);
      port = local.getPort(); // port 0: the first address picks, the others follow
    }
  }

  // ---- where and who -------------------------------------------------------------------------

  public LoadSimConfig config() {
    return config;
  }

  /** The addresses actually listened on, all with the same port. */
  public List<InetSocketAddress> boundAddresses() {
    return List.copyOf(bound);
  }

  public int port() {
    return bound.get(0).getPort();
  }

  /** "epoll" or "nio". */
  public String transport() {
    return epoll ? "epoll" : "nio";
  }

  /** The start time in effect (the configured one, or when this simulator started). */
  public long startAtMillis() {
    return population.startAtMillis;
  }

  /** The name of user {@code index} (1-based), e.g. {@code user00001}. */
  public String userName(int index) {
    if (index < 1 || index > population.mailboxes) {
      throw new IllegalArgumentException("user index " + index + " is outside 1.." + population.mailboxes);
    }
    return population.userName(index);
  }

  /** The 1-based index of a user, or -1 for a name not in the population. */
  public int userIndex(String user) {
    return population.userIndex(user);
  }

  /** Which process of {@code processCount} serves user {@code index} (1-based). */
  public static int processOf(int index, int processCount) {
    return (index - 1) % processCount;
  }

  /** Whether this process serves {@code user}. */
  public boolean owns(String user) {
    int u = population.userIndex(user);
    return u > 0 && population.owns(u);
  }

  /** INBOX first, then the configured folders. */
  public List<String> folders() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < population.folderCount(); i++) {
      out.add(population.folderName(i));
    }
    return out;
  }

  // ---- changes -------------------------------------------------------------------------------

  /** Delivers a new stamped message to the folder and pushes it to sessions watching it. */
  public Change.Delivered deliver(String user, String folder) {
    return store.deliver(owned(user), folderIndex(folder), Change.Origin.API);
  }

  /** Sets the message's flags to exactly {@code flags}; empty when it does not exist or nothing changed. */
  public Optional<Change.FlagsChanged> setFlags(String user, String folder, long uid, Set<Flag> flags) {
    return Optional.ofNullable(store.changeFlags(owned(user), folderIndex(folder), uid, Flag.bits(flags), 0, true,
        Change.Origin.API));
  }

  public Optional<Change.FlagsChanged> addFlags(String user, String folder, long uid, Set<Flag> flags) {
    return Optional.ofNullable(store.changeFlags(owned(user), folderIndex(folder), uid, Flag.bits(flags), 0, false,
        Change.Origin.API));
  }

  public Optional<Change.FlagsChanged> removeFlags(String user, String folder, long uid, Set<Flag> flags) {
    return Optional.ofNullable(store.changeFlags(owned(user), folderIndex(folder), uid, 0, Flag.bits(flags), false,
        Change.Origin.API));
  }

  /** Expunges the message; empty when it does not exist. */
  public Optional<Change.Expunged> expunge(String user, String folder, long uid) {
    return Optional.ofNullable(store.expunge(owned(user), folderIndex(folder), uid, Change.Origin.API));
  }

  // ---- reading the truth ---------------------------------------------------------------------

  public FolderStatus status(String user, String folder) {
    Folder f = store.peek(owned(user), folderIndex(folder));
    synchronized (f) {
      return new FolderStatus(f.uidValidity(), f.count(), f.uidNext(), f.unseen(), f.highestModSeq());
    }
  }

  /** The UIDs of the folder's messages, ascending. */
  public long[] uids(String user, String folder) {
    Folder f = store.peek(owned(user), folderIndex(folder));
    synchronized (f) {
      long[] out = new long[f.count()];
      for (int i = 0; i < out.length; i++) {
        out[i] = f.uidAt(i);
      }
      return out;
    }
  }

  /** The message's flags, or empty when it does not exist. */
  public Optional<Set<Flag>> flags(String user, String folder, long uid) {
    Folder f = store.peek(owned(user), folderIndex(folder));
    synchronized (f) {
      int i = f.indexOf(uid);
      return i < 0 ? Optional.empty() : Optional.of(Flag.set(f.flagsAt(i)));
    }
  }

  /** The message's bytes as FETCH BODY[] returns them, or empty when it does not exist. */
  public Optional<byte[]> messageBytes(String user, String folder, long uid) {
    int u = owned(user);
    int fi = folderIndex(folder);
    Folder f = store.peek(u, fi);
    long stamp;
    synchronized (f) {
      int i = f.indexOf(uid);
      if (i < 0) {
        return Optional.empty();
      }
      stamp = f.stampAt(i);
    }
    long date = stamp != 0 ? stamp / 1_000_000 : population.initialInternalDateSeconds(u, fi, (int) uid);
    return Optional.of(cx.generator.generate(u, fi, (int) uid, stamp, date).raw());
  }

  // ---- misbehaving on purpose ----------------------------------------------------------------

  /** Closes every client connection at once (a server restart, without BYE) and waits until they are closed. */
  public void dropAllConnections() {
    dropAllConnections(false);
  }

  /** As {@link #dropAllConnections()}; with {@code sayBye}, each gets {@code * BYE} first, like a shutdown. */
  public void dropAllConnections(boolean sayBye) {
    if (sayBye) {
      ByteBuf bye = Unpooled.copiedBuffer("* BYE server shutting down (load simulator)\r\n", StandardCharsets.US_ASCII);
      cx.channels.writeAndFlush(bye).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }
    cx.channels.close().awaitUninterruptibly(30, TimeUnit.SECONDS);
  }

  /**
   * From now on these users' connections read commands but never answer or push; a new
   * connection is greeted, and its LOGIN goes unanswered.
   */
  public void stall(Collection<String> users) {
    setMode(users, ServerContext.Mode.STALL);
  }

  /** From now on these users' connections are no longer read (nor answered): the socket fills up. */
  public void blackhole(Collection<String> users) {
    setMode(users, ServerContext.Mode.BLACKHOLE);
  }

  /** Undoes {@link #stall} and {@link #blackhole}; commands sent meanwhile stay unanswered. */
  public void release(Collection<String> users) {
    setMode(users, ServerContext.Mode.NORMAL);
  }

  private void setMode(Collection<String> users, ServerContext.Mode mode) {
    java.util.HashSet<Integer> indices = new java.util.HashSet<>();
    for (String u : users) {
      int i = owned(u);
      indices.add(i);
      cx.setMode(i, mode);
    }
    List<io.netty.util.concurrent.Future<?>> applied = new ArrayList<>();
    for (Channel ch : cx.channels) {
      ServerSession s = ch.pipeline().get(ServerSession.class);
      if (s != null && indices.contains(s.user())) {
        applied.add(s.setMode(mode));
      }
    }
    // In effect for every open connection when this returns, so "from now on" holds.
    for (io.netty.util.concurrent.Future<?> f : applied) {
      f.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /** Answers every LOGIN / AUTHENTICATE with {@code NO [UNAVAILABLE]} while true. */
  public void refuseLogins(boolean refuse) {
    cx.refuseLogins = refuse ? u -> true : u -> false;
  }

  /** Answers LOGIN / AUTHENTICATE of the users the predicate picks with {@code NO [UNAVAILABLE]}. */
  public void refuseLogins(Predicate<String> refuse) {
    cx.refuseLogins = Objects.requireNonNull(refuse);
  }

  /** While true, accepted connections are closed at once (a server that is down but whose port is open). */
  public void refuseConnections(boolean refuse) {
    cx.refuseConnections = refuse;
  }

  /** While true, accepted connections never get a greeting (a server that hangs). */
  public void silentAccept(boolean silent) {
    cx.silentAccept = silent;
  }

  // ---- counting ------------------------------------------------------------------------------

  /** The user's logged-in connections now. */
  public int connections(String user) {
    return cx.stats.current(owned(user));
  }

  /** The most logged-in connections the user had at once (since start or the last reset). */
  public int maxConnections(String user) {
    return cx.stats.max(owned(user));
  }

  /** Users with logged-in connections now, and how many each has. */
  public Map<String, Integer> connectionsPerUser() {
    Map<String, Integer> out = new LinkedHashMap<>();
    cx.stats.currentByUser().forEach((u, n) -> out.put(population.userName(u), n));
    return out;
  }

  /** The most logged-in connections any one user had at once (since start or the last reset). */
  public int maxConnectionsPerUser() {
    return cx.stats.maxAnyUser();
  }

  /** Starts the per-user high-water marks and accept-rate peaks again from now. */
  public void resetConnectionHighWater() {
    cx.stats.resetHighWater();
  }

  /** Open client connections, logged in or not. */
  public int totalConnections() {
    return cx.stats.open.get();
  }

  public int authenticatedConnections() {
    return cx.stats.authenticated.get();
  }

  /** Users with at least one connection in IDLE now. */
  public java.util.Set<String> idleUsers() {
    java.util.Set<String> out = new java.util.HashSet<>();
    cx.stats.idleUsers().forEach(u -> out.add(population.userName(u)));
    return out;
  }

  /** Connections in IDLE now. */
  public int idleConnections() {
    return cx.stats.idle.get();
  }

  /**
   * True once the schedule has ended ({@code scheduleDuration} past the start) and every event
   * of it has been applied; true at once when no rate is set. Never true for an endless schedule.
   */
  public boolean scheduleFinished() {
    return scheduler.finished();
  }

  public LoadStats stats() {
    return new LoadStats(cx.stats.open.get(), cx.stats.authenticated.get(), cx.stats.idle.get(),
        cx.stats.accepted.sum(), cx.stats.logins.sum(), cx.stats.failedLogins.sum(), cx.stats.refusedLogins.sum(),
        cx.stats.maxAnyUser(), cx.stats.peakAcceptsPerSecond(), store.deliveries.sum(), store.flagChanges.sum(),
        store.expunges.sum(), scheduler.applied.sum(), scheduler.maxLagMicros.get(), store.touchedFolders());
  }

  /** Stops the schedule, closes every connection and the listeners, and stops the event loops. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    scheduler.close();
    for (Channel s : servers) {
      s.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    cx.channels.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  // ---- helpers -------------------------------------------------------------------------------

  private int owned(String user) {
    int u = population.userIndex(user);
    if (u < 0) {
      throw new IllegalArgumentException("no such user: " + user);
    }
    if (!population.owns(u)) {
      throw new IllegalArgumentException(user + " is served by process " + processOf(u, population.processCount)
          + ", not by this one (" + population.processIndex + ")");
    }
    return u;
  }

  private int folderIndex(String folder) {
    int f = population.folderIndex(folder);
    if (f < 0) {
      throw new IllegalArgumentException("no such folder: " + folder + " (folders: " + folders() + ")");
    }
    return f;
  }
}
