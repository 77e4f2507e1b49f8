package io.imapsync.daemon;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.SecretBox;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.sync.AccountConfig;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the daemon's watchers in line with the account registry: starts registered accounts,
 * stops paused and removed ones, restarts changed ones. Polls the registry's version counter
 * (cheap: one GET) and reloads only when it moved. A record that cannot be used (bad secret,
 * invalid field) is logged and skipped; the other accounts carry on.
 */
public final class RegistryFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryFollower.class);
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);

  private final SyncDaemon daemon;
  private final SecretBox secrets;
  private final StatefulRedisConnection<String, String> connection;
  private final AccountRegistry registry;
  private final ScheduledExecutorService thread;
  private final Map<String, Long> running = new java.util.concurrent.ConcurrentHashMap<>(); // id -> updated_at it runs with
  private long seenVersion = -1;
  private final java.util.concurrent.CompletableFuture<Void> firstRead = new java.util.concurrent.CompletableFuture<>();

  public RegistryFollower(SyncDaemon daemon, SecretBox secrets, Duration poll) {
    this.daemon = daemon;
    this.secrets = secrets;
    this.connection = daemon.redisClient().connect();
    this.registry = new AccountRegistry(connection.sync(), daemon.layout());
    this.thread = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("imap-sync-registry").daemon().factory());
    thread.scheduleWithFixedDelay(this::refreshSafely, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void refreshSafely() {
    try {
      long v = registry.version();
      if (v != seenVersion) {
        seenVersion = v;
        refresh();
      }
      firstRead.complete(null);
    } catch (RuntimeException e) {
      log.warn("cannot read the account registry: {}", e.toString());
    }
  }

  private void refresh() {
    List<AccountRecord> records;
    Set<String> wanted = new LinkedHashSet<>();
    records = registry.list();
    for (AccountRecord r : records) {
      if (r.paused()) {
        continue;
      }
      wanted.add(r.id());
      Long runningSince = running.get(r.id());
      if (runningSince != null && runningSince == r.updatedAt()) {
        continue;
      }
      if (runningSince != null) {
        log.info("account {} changed; restarting it", r.id());
        daemon.remove(r.id()).join();
        running.remove(r.id());
      }
      try {
        daemon.add(toConfig(r));
        running.put(r.id(), r.updatedAt());
        log.info("account {} started ({})", r.id(), r);
      } catch (IllegalArgumentException e) {
        log.warn("account {} not started: {}", r.id(), e.getMessage());
      }
    }
    for (String id : new HashSet<>(running.keySet())) {
      if (!wanted.contains(id)) {
        log.info("account {} paused or removed; stopping it", id);
        daemon.remove(id).join();
        running.remove(id);
      }
    }
  }

  private volatile java.time.Duration statusInterval = AccountConfig.DEFAULT_STATUS_INTERVAL;

  /** How often polled folders are checked, for accounts started from now on. */
  public void statusInterval(java.time.Duration interval) {
    this.statusInterval = interval;
  }

  AccountConfig toConfig(AccountRecord r) {
    String secret = secrets.open(r.id(), r.sealedSecret());
    int limit = r.initialSyncCount() == 0 ? AccountConfig.DEFAULT_INITIAL_SYNC_LIMIT : r.initialSyncCount();
    return new AccountConfig(r.id(), new ImapEndpoint(r.host(), r.port(), r.security(), null, null, r.trustedCaPem()),
        r.username(), secret, r.mailboxes(), new LinkedHashSet<>(r.ownAddresses()), limit, r.auth(),
        r.connectionBudget(), statusInterval, true, r.initialSyncDays());
  }

  /** Completes once the registry was read and its accounts started (readiness waits for it). */
  public java.util.concurrent.CompletableFuture<Void> firstRead() {
    return firstRead;
  }

  /** Account ids this daemon runs now. */
  public Set<String> runningAccounts() {
    return Set.copyOf(running.keySet());
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    connection.close();
  }
}
