package io.imapsync.daemon;

import io.imapsync.consumer.StreamTrimmer;
import io.imapsync.imap.session.SessionOptions;
import io.imapsync.conversation.ConversationOptions;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FolderChanges;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.Deadlines;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.HostGuards;
import io.imapsync.sync.HostPolicy;
import io.imapsync.sync.AccountSync;
import io.imapsync.publish.SerialQueue;
import io.imapsync.sync.SyncListener;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: one Redis connection per event loop ({@link RedisLanes}) and one {@link AccountSync}
 * per account (its folders over at most its connection budget), each account on one loop with
 * that loop's connection. Owns nothing it did not create: the caller passes the shared resources.
 */
public final class SyncDaemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncDaemon.class);
  /** Well inside Gmail's ~10 min and middleboxes' 350 s idle cut-offs (FIELD-NOTES). */
  public static final Duration DEFAULT_IDLE_RENEWAL = Duration.ofMinutes(4);

  private final SharedResources resources;
  private final KeyLayout layout;
  private final RedisConnector redisConnector;
  private final RedisLanes lanes;
  private final RedisConnection redis;
  private final SyncListener listener;
  private final AccountStateWriter stateWriter;
  private final Duration idleRenewal;
  private final List<AccountSync> accounts = new ArrayList<>();
  private RedisConnection maintenanceConnection;
  private ResyncRequests resyncRequests;
  private SessionOptions sessionOptions = SessionOptions.DEFAULTS;
  private IdleRenewals idleRenewals;
  private java.util.concurrent.ScheduledExecutorService maintenance;
  private HostGuards hostGuards = new HostGuards(HostPolicy.DEFAULTS);
  private final SessionCensus census;
  private volatile boolean startupComplete;

  public SyncDaemon(SharedResources resources, String redisUrl, KeyLayout layout, SyncListener listener,
      Duration idleRenewal) {
    this.resources = resources;
    this.layout = layout;
    this.listener = listener;
    this.idleRenewal = idleRenewal;
    this.redisConnector = RedisConnector.create(resources.lettuceResources(), redisUrl);
    this.lanes = new RedisLanes(resources, redisUrl, resources.metrics().writes());
    this.redis = lanes.first().redis();
    this.stateWriter = new AccountStateWriter(redis.async(), layout, listener);
    try {
      lanes.preload().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      lanes.close();
      redisConnector.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw new IllegalStateException("cannot load the write script into Redis at " + RedisUrls.redact(redisUrl)
          + ": " + (e instanceof java.util.concurrent.TimeoutException ? "no answer in 10 s"
              : e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e), e);
    }
    this.census = new SessionCensus(resources.metrics().registry(), this::accounts);
    log.info("connected to {} at {}", redisConnector.isCluster() ? "Redis Cluster" : "Redis",
        RedisUrls.redact(redisUrl));
  }

  /**
   * Trims the partition streams every minute, never below what a consumer group still needs
   * ({@link StreamTrimmer}). Blocking Redis calls: they run on a maintenance thread of their own.
   */
  public synchronized void trimStreams(Duration retention) {
    if (maintenance != null) {
      return;
    }
    maintenanceConnection = redisConnector.connect();
    StreamTrimmer trimmer = new StreamTrimmer(maintenanceConnection.sync(), layout, retention);
    maintenance = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("imap-sync-maintenance").daemon().factory());
    maintenance.scheduleWithFixedDelay(() -> {
      try {
        long removed = trimmer.trimAll(System.currentTimeMillis()).values().stream().mapToLong(Long::longValue).sum();
        if (removed > 0) {
          log.debug("trimmed {} stream entries", removed);
        }
      } catch (RuntimeException e) {
        log.warn("stream trimming failed: {}", e.toString());
      }
    }, 1, 60, TimeUnit.SECONDS);
  }

  /** Starts answering support's resync requests for the accounts this daemon runs. */
  public synchronized void serveResyncRequests() {
    if (resyncRequests == null) {
      resyncRequests = new ResyncRequests(this);
    }
  }

  public KeyLayout layout() {
    return layout;
  }

  /** Per-host IDLE renewal intervals for accounts added from now on (default: the constructor's). */
  /** The per-host connect limiters and breakers (benchmarks read the connect rate they let through). */
  public synchronized HostGuards hostGuards() {
    return hostGuards;
  }

  public synchronized void idleRenewals(IdleRenewals renewals) {
    this.idleRenewals = renewals;
  }

  private io.imapsync.sync.TokenRefresher tokenRefresher;

  /** Where OAuth2 accounts added from now on get a new access token when theirs is rejected. */
  public synchronized void tokenRefresher(io.imapsync.sync.TokenRefresher refresher) {
    this.tokenRefresher = refresher;
  }

  /** Per-host connection rate, circuit breaker and backoff for accounts added from now on. */
  public synchronized void hostPolicy(HostPolicy policy) {
    this.hostGuards = new HostGuards(policy);
  }

  /** Session timeouts for accounts added from now on (defaults: {@link SessionOptions#DEFAULTS}). */
  public synchronized void sessionOptions(SessionOptions options) {
    this.sessionOptions = options;
  }

  public synchronized AccountSync add(AccountConfig account) {
    SerialQueue queue = new SerialQueue();
    RedisLanes.Lane lane = lanes.next();
    AccountFeed feed = new AccountFeed(layout, lane.redis().async(), lane.writer(), account.accountId(),
        ConversationOptions.forAccount(account.ownAddresses()), queue, resources.workers());
    FolderChanges changes = new FolderChanges(layout, lane.redis().async(), lane.writer(), account.accountId(), queue);
    Duration renewal = idleRenewals == null ? idleRenewal : idleRenewals.forHost(account.endpoint().host());
    AccountSync a = new AccountSync(account, resources, lane.loop(), feed, changes, stateWriter, renewal, hostGuards);
    a.sessionOptions(sessionOptions);
    a.tokenRefresher(tokenRefresher);
    accounts.add(a);
    a.start();
    return a;
  }

  /** Stops and forgets the watcher of an account (paused or removed); completes when it logged out. */
  public CompletableFuture<Void> remove(String accountId) {
    List<AccountSync> stopping = new ArrayList<>();
    synchronized (this) {
      accounts.removeIf(w -> {
        if (w.accountId().equals(accountId)) {
          stopping.add(w);
          return true;
        }
        return false;
      });
    }
    return CompletableFuture.allOf(stopping.stream().map(AccountSync::stop).toArray(CompletableFuture[]::new));
  }

  /**
   * Stops every account at once, without waiting: the node's lease may have expired, and another
   * node may be taking its accounts over.
   */
  public void stopAll() {
    List<AccountSync> all;
    synchronized (this) {
      all = List.copyOf(accounts);
      accounts.clear();
    }
    all.forEach(AccountSync::stop);
  }

  /**
   * Startup is done: every account of the accounts file (or of the registry's first read) was
   * added, so each has started its first connection. Readiness waits for this.
   */
  public void startupComplete() {
    startupComplete = true;
  }

  public boolean isStartupComplete() {
    return startupComplete;
  }

  /**
   * PING on each of the daemon's own Redis connections (one per event loop): an account writes
   * through one of them, so all must answer. A closed connection fails at once: a PING queued
   * behind a reconnect would only wait out the deadline.
   */
  public CompletableFuture<Void> pingRedis(Duration deadline) {
    List<CompletableFuture<?>> pings = new ArrayList<>();
    for (RedisLanes.Lane lane : lanes.all()) {
      if (!lane.redis().isOpen()) {
        return CompletableFuture.failedFuture(new IllegalStateException("Redis connection is down"));
      }
      pings.add(lane.redis().async().ping().toCompletableFuture());
    }
    return Deadlines.orTimeout(CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)),
        deadline.toMillis(), TimeUnit.MILLISECONDS, lanes.first().loop());
  }

  /** A loop for the daemon's own timers (not an account's). */
  public io.netty.channel.EventLoop timerLoop() {
    return lanes.first().loop();
  }

  /** Opens further connections to the daemon's Redis (single server or cluster). */
  public RedisConnector redisConnector() {
    return redisConnector;
  }

  public synchronized List<AccountSync> accounts() {
    return List.copyOf(accounts);
  }

  @Override
  public void close() {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    synchronized (this) {
      for (AccountSync w : accounts) {
        stops.add(w.stop());
      }
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("not every watcher stopped cleanly: {}", e.toString());
    }
    census.close();
    if (resyncRequests != null) {
      resyncRequests.close();
    }
    if (maintenance != null) {
      maintenance.shutdownNow();
      maintenanceConnection.close();
    }
    lanes.close();
    redisConnector.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
