package io.imapsync.ownership;

import io.imapsync.coordinator.cluster.AccountHolders;
import io.imapsync.coordinator.cluster.ClusterKeys;
import io.imapsync.coordinator.cluster.Lease;
import io.imapsync.coordinator.cluster.NodeInfo;
import io.imapsync.coordinator.cluster.NodeReport;
import io.imapsync.coordinator.cluster.PublishedAssignment;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This daemon as one node of a fleet: it registers, renews its lease, follows the published
 * assignment and claims accounts before it runs them.
 *
 * <p>Its lease has a local deadline ({@link Lease}): a watchdog thread, independent of Redis and of
 * the follower's thread, stops every account the moment the deadline passes without a renewal
 * (Redis unreachable, the process frozen). By then the coordinator may be giving the accounts to
 * other nodes; their epochs fence whatever write of ours was still in flight.
 */
public final class NodeMembership implements AccountGate, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeMembership.class);
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);

  private final String nodeId;
  private final double weight;
  private final ClusterKeys keys;
  private final RedisConnection connection;
  private final RedisClusterCommands<String, String> redis;
  private final Lease lease;
  private final AccountHolders holders;
  private final Runnable stopEverything;
  private final ScheduledExecutorService watchdog;
  private final long renewEveryNanos;
  private volatile boolean regained;
  private volatile long fences;
  private long assignmentVersion = -1;
  private volatile Set<String> owned = Set.of();
  private volatile boolean valid;
  private volatile boolean fenced;
  private volatile boolean leaving;
  private volatile int running;
  private volatile int connections;

  /**
   * @param stopEverything stops every account at once; called from the watchdog thread when the
   *     lease may have expired (it must not block)
   */
  public NodeMembership(RedisConnector client, String prefix, String nodeId, double weight, Duration leaseTtl,
      Runnable stopEverything) {
    if (nodeId == null || !nodeId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("--node-id must be 1-64 characters of A-Z a-z 0-9 . _ -, got '" + nodeId + "'");
    }
    if (!(weight > 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("--node-weight must be a positive number, got " + weight);
    }
    this.nodeId = nodeId;
    this.weight = weight;
    this.keys = new ClusterKeys(prefix);
    this.connection = client.connect();
    // A Redis call never outlasts a third of the lease: the renewal loop must get its turns.
    connection.stateful().setTimeout(leaseTtl.dividedBy(3));
    this.redis = connection.sync();
    this.lease = new Lease(redis, keys.lease(nodeId), nodeId + ":" + UUID.randomUUID(), leaseTtl);
    this.holders = new AccountHolders(redis, keys, nodeId, lease);
    this.stopEverything = stopEverything;
    this.renewEveryNanos = leaseTtl.toNanos() / 4;
    // Two threads: the renewal may wait on Redis for up to a third of the TTL; the deadline check
    // must run meanwhile.
    this.watchdog = Executors.newScheduledThreadPool(2,
        Thread.ofPlatform().name("imap-sync-lease-", 0).daemon().factory());
  }

  public String nodeId() {
    return nodeId;
  }

  /**
   * Registers and takes the lease, waiting (up to {@code wait}) for a previous process of the same
   * node to let its lease expire. Throws when it is still held after that: two live processes
   * must never share a node id.
   */
  public void join(Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    boolean said = false;
    while (!lease.renew()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException("node id " + nodeId + " is held by another live process (its lease "
            + keys.lease(nodeId) + " did not expire within " + wait + "); give each daemon its own --node-id");
      }
      if (!said) {
        log.info("node {}: waiting for the lease of a previous process with this id to expire", nodeId);
        said = true;
      }
      long pttl = Math.max(50, Math.min(1000, redis.pttl(lease.key())));
      TimeUnit.MILLISECONDS.sleep(pttl); // the other holder's TTL is the condition; nothing to await on
    }
    // Registered once the lease is ours: a refused second process must not overwrite the first's record.
    redis.hset(keys.nodes(), nodeId, io.imapsync.model.Json.write(new NodeInfo(nodeId, weight, host(),
        ProcessHandle.current().pid(), System.currentTimeMillis(), lease.ttl().toMillis())));
    valid = true;
    log.info("node {}: joined the fleet (weight {}, lease {})", nodeId, weight, lease.ttl());
    watchdog.scheduleWithFixedDelay(this::checkDeadline, 50, 50, TimeUnit.MILLISECONDS);
    watchdog.scheduleWithFixedDelay(this::renew, renewEveryNanos, renewEveryNanos, TimeUnit.NANOSECONDS);
  }

  private void checkDeadline() {
    if (valid && !leaving && !lease.isValid()) { // leaving: the lease is given up on purpose
      valid = false;
      fenced = true;
      fences++;
      log.error("node {}: lease not renewed in time (Redis unreachable or this process was stopped); stopping"
          + " every account until it is renewed", nodeId);
      try {
        stopEverything.run();
      } catch (RuntimeException e) {
        log.error("node {}: stopping the accounts failed: {}", nodeId, e.toString());
      }
    }
  }

  /** On its own thread, every TTL/4: never behind a long reconciliation of accounts. */
  private void renew() {
    if (leaving) {
      return;
    }
    boolean held;
    try {
      held = lease.renew();
    } catch (RuntimeException e) {
      log.warn("node {}: cannot renew the lease ({} ms left): {}", nodeId, Math.max(0, lease.nanosLeft() / 1_000_000),
          e.toString());
      return;
    }
    if (held) {
      if (!valid) {
        log.info("node {}: lease renewed; taking accounts again", nodeId);
        regained = true;
      }
      valid = true;
      fenced = false;
      try {
        redis.hset(keys.reports(), nodeId, io.imapsync.model.Json.write(
            new NodeReport(running, connections, false, System.currentTimeMillis())));
      } catch (RuntimeException e) {
        log.debug("node {}: report not written: {}", nodeId, e.toString());
      }
    } else if (valid) {
      log.error("node {}: another process holds this node's lease; stopping every account", nodeId);
      valid = false;
      fences++;
      stopEverything.run();
    }
  }

  @Override
  public long fences() {
    return fences;
  }

  @Override
  public boolean tick() {
    boolean changed = regained;
    regained = false;
    long version = PublishedAssignment.readVersion(redis, keys);
    if (version != assignmentVersion) {
      Set<String> mine = new HashSet<>();
      for (Map.Entry<String, String> e : redis.hgetall(keys.assignment()).entrySet()) {
        if (nodeId.equals(e.getValue())) {
          mine.add(e.getKey());
        }
      }
      assignmentVersion = version;
      changed |= !mine.equals(owned);
      owned = Set.copyOf(mine);
    }
    return changed;
  }

  @Override
  public boolean owns(String accountId) {
    return !leaving && valid && lease.isValid() && owned.contains(accountId);
  }

  @Override
  public boolean admit(String accountId) {
    if (!owns(accountId)) {
      return false;
    }
    String answer = holders.acquire(accountId);
    if (AccountHolders.OK.equals(answer)) {
      return true;
    }
    log.debug("node {}: account {} not started yet: {}", nodeId, accountId, answer);
    return false;
  }

  @Override
  public void release(java.util.Collection<String> accountIds) {
    holders.release(accountIds);
  }

  @Override
  public void report(int running, int connections) {
    this.running = running;
    this.connections = connections;
  }

  public boolean isFenced() {
    return fenced;
  }

  /** Stops taking accounts: every {@link #owns} answers false from now (the daemon then stops them). */
  public void leaving() {
    leaving = true;
  }

  /**
   * Leaves the fleet after the daemon stopped and released its accounts: gives the lease up so the
   * coordinator reassigns at once instead of after the TTL.
   */
  @Override
  public void close() {
    watchdog.shutdownNow();
    try {
      redis.hdel(keys.reports(), nodeId);
      redis.hdel(keys.nodes(), nodeId);
      lease.release();
      log.info("node {}: left the fleet", nodeId);
    } catch (RuntimeException e) {
      log.warn("node {}: could not give the lease up ({}); it expires by itself", nodeId, e.toString());
    } finally {
      connection.close();
    }
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown-host";
    }
  }
}
