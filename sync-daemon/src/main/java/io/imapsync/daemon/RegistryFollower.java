package io.imapsync.daemon;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.SecretBox;
import io.imapsync.ownership.AccountGate;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.sync.AccountConfig;
import io.imapsync.runtime.Deadlines;
import java.time.Duration;
import java.util.HashMap;
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
 *
 * <p>In a fleet, the {@link AccountGate} decides which accounts are this daemon's: an account
 * starts only once the gate admits it (assigned here, and released by its previous node), and an
 * account that is no longer ours is stopped and then released, in that order, so its next owner
 * never connects while our connections are open.
 */
public final class RegistryFollower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegistryFollower.class);
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(2);
  /** In a fleet: how often the lease, the assignment and waiting handoffs are looked at. */
  public static final Duration FLEET_POLL = Duration.ofMillis(200);

  private final SyncDaemon daemon;
  private final SecretBox secrets;
  private final AccountGate gate;
  private final io.imapsync.redis.RedisConnection connection;
  private final AccountRegistry registry;
  private final ScheduledExecutorService thread;
  private final Map<String, Long> running = new java.util.concurrent.ConcurrentHashMap<>(); // id -> updated_at it runs with
  /** Stopped or stopping, not yet released (the gate must not admit them again before). */
  private final Map<String, Boolean> stopping = new java.util.concurrent.ConcurrentHashMap<>(); // id -> stop finished
  /** Assigned here but held elsewhere still: tried again every tick. */
  private final Set<String> waiting = new HashSet<>();
  /** Every registered account's id; records are read only for the accounts this node runs or is assigned. */
  private java.util.SortedSet<String> ids = new java.util.TreeSet<>();
  /** Records read since the registry last changed (a fleet node's own accounts, not the whole fleet's). */
  private final Map<String, AccountRecord> records = new HashMap<>();
  /** Ids whose record could not be read, so the warning is logged once per registry version. */
  private final Set<String> unreadable = new HashSet<>();
  private long seenVersion = -1;
  private long seenFences;
  private boolean dirty;
  private long lastSlowTick = System.nanoTime() - SLOW_TICK.toNanos();
  private static final Duration SLOW_TICK = Duration.ofSeconds(2);
  private final java.util.concurrent.CompletableFuture<Void> firstRead = new java.util.concurrent.CompletableFuture<>();

  public RegistryFollower(SyncDaemon daemon, SecretBox secrets, Duration poll) {
    this(daemon, secrets, poll, AccountGate.ALL);
  }

  public RegistryFollower(SyncDaemon daemon, SecretBox secrets, Duration poll, AccountGate gate) {
    this.daemon = daemon;
    this.secrets = secrets;
    this.gate = gate;
    this.connection = daemon.redisConnector().connect();
    this.registry = new AccountRegistry(connection.sync(), daemon.layout());
    this.thread = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("imap-sync-registry").daemon().factory());
    thread.scheduleWithFixedDelay(this::refreshSafely, 0, poll.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void refreshSafely() {
    try {
      boolean changed = gate.tick();
      long f = gate.fences();
      if (f != seenFences) {
        // The gate stopped everything (its lease lapsed): what we thought runs does not.
        seenFences = f;
        for (String id : new HashSet<>(running.keySet())) {
          stop(id, "was stopped when the node's lease lapsed");
        }
        changed = true;
      }
      releaseStopped();
      long v = registry.version();
      if (v != seenVersion) {
        ids = registry.ids();
        records.clear();
        unreadable.clear();
        seenVersion = v;
        changed = true;
      }
      // Dirty until a reconciliation completes: one cut short by a Redis error is done again.
      dirty |= changed;
      // Every few seconds, a full look whatever the signals said (a safety net), and the report:
      // both walk every account, too much for every 200 ms tick of a node with 17,000.
      long now = System.nanoTime();
      boolean slow = now - lastSlowTick > SLOW_TICK.toNanos();
      if (dirty || !waiting.isEmpty() || stopping.containsValue(Boolean.TRUE) || (slow && anyRunningNotOwned())) {
        refresh();
        dirty = false;
      }
      if (slow) {
        lastSlowTick = now;
        gate.report(running.size(), connections());
      }
      firstRead.complete(null);
    } catch (RuntimeException e) {
      log.warn("cannot read the account registry or the fleet: {}", e.toString());
    }
  }

  private boolean anyRunningNotOwned() {
    for (String id : running.keySet()) {
      if (!gate.owns(id)) {
        return true;
      }
    }
    return false;
  }

  private int connections() {
    int n = 0;
    for (var a : daemon.accounts()) {
      n += a.watchers().size();
    }
    return n;
  }

  /** Accounts whose stop finished: free them for their next owner (retried while Redis fails). */
  private void releaseStopped() {
    List<String> done = new java.util.ArrayList<>();
    stopping.forEach((id, finished) -> {
      if (finished) {
        done.add(id);
      }
    });
    if (!done.isEmpty()) {
      gate.release(done); // on failure they stay, and go with the next tick
      done.forEach(stopping::remove);
    }
  }

  private void stop(String id, String why) {
    log.info("account {} {}; stopping it", id, why);
    running.remove(id);
    stopping.put(id, false);
    Deadlines.orTimeout(daemon.remove(id), 30, TimeUnit.SECONDS, daemon.timerLoop()).whenComplete((v, e) -> {
      if (e != null) {
        log.warn("account {} did not stop cleanly: {}", id, e.toString());
      }
      stopping.put(id, true);
    });
  }

  private void refresh() {
    Map<String, AccountRecord> wanted = new java.util.LinkedHashMap<>();
    for (String id : ids) {
      if (!running.containsKey(id) && !gate.owns(id)) {
        continue; // another node's: its record is not needed here
      }
      AccountRecord r = record(id);
      if (r != null && !r.paused()) {
        wanted.put(r.id(), r);
      }
    }
    for (String id : new HashSet<>(running.keySet())) {
      if (!wanted.containsKey(id)) {
        stop(id, "paused or removed");
      } else if (!gate.owns(id)) {
        stop(id, "is no longer assigned to this node");
      }
    }
    waiting.retainAll(wanted.keySet());
    for (AccountRecord r : wanted.values()) {
      Long runningSince = running.get(r.id());
      if (runningSince != null && runningSince == r.updatedAt()) {
        continue;
      }
      if (runningSince != null) {
        log.info("account {} changed; restarting it", r.id());
        daemon.remove(r.id()).join(); // still ours: no release, no handoff
        running.remove(r.id());
      } else if (stopping.containsKey(r.id()) || !gate.owns(r.id())) {
        continue;
      } else if (!gate.admit(r.id())) {
        waiting.add(r.id());
        continue;
      }
      waiting.remove(r.id());
      try {
        daemon.add(toConfig(r));
        running.put(r.id(), r.updatedAt());
        log.info("account {} started ({})", r.id(), r);
      } catch (IllegalArgumentException e) {
        log.warn("account {} not started: {}", r.id(), e.getMessage());
      }
    }
  }

  /** The account's record, read once per registry version; null if it is gone or unreadable. */
  private AccountRecord record(String id) {
    AccountRecord r = records.get(id);
    if (r != null || unreadable.contains(id)) {
      return r;
    }
    try {
      r = registry.get(id).orElse(null);
    } catch (IllegalArgumentException e) {
      unreadable.add(id);
      log.warn("account {} not run: {}", id, e.getMessage());
      return null;
    }
    if (r != null) {
      records.put(id, r);
    }
    return r;
  }

  /**
   * Stops every account and releases it (a graceful leave: the fleet reassigns them at once).
   * Waits at most {@code grace}; true if everything was stopped and released in time.
   */
  public boolean stopAll(Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
    Runnable check = new Runnable() {
      @Override
      public void run() {
        try {
          for (String id : new HashSet<>(running.keySet())) {
            stop(id, "stops with the daemon");
          }
          releaseStopped();
        } catch (RuntimeException e) {
          log.warn("releasing accounts failed: {}", e.toString());
        }
        if ((running.isEmpty() && stopping.isEmpty()) || System.nanoTime() - deadline > 0) {
          done.complete(null);
        } else {
          thread.schedule(this, 50, TimeUnit.MILLISECONDS);
        }
      }
    };
    thread.execute(check);
    done.join();
    return running.isEmpty() && stopping.isEmpty();
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
