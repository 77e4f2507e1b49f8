package io.imapsync.coordinator.cluster;

import io.imapsync.coordinator.assignment.AccountLoad;
import io.imapsync.coordinator.assignment.Assignment;
import io.imapsync.coordinator.assignment.SyncNode;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator: a standby until it holds the leader lease, then the one that publishes the
 * assignment. Every tick the leader reads the fleet (live nodes, weights, drains, pins) and the
 * accounts; when any of that changed it computes a new target ({@link AssignmentPlanner}); it then
 * publishes the changes from the current assignment toward the target that {@link MoveThrottle}
 * allows. Daemons follow the published assignment; the handoff itself (old owner closes and
 * releases, new owner acquires and resumes) is theirs, so a coordinator that dies mid-way loses
 * nothing: the next leader starts from what is published.
 *
 * <p>All of its work runs on its own thread with blocking Redis calls: it is one small process
 * (or thread) per fleet, not on a data path.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  private final CoordinatorOptions options;
  private final StatefulConnection<String, String> connection;
  private final RedisClusterCommands<String, String> redis;
  private final ClusterKeys keys;
  private final AccountSource accounts;
  private final AssignmentPlanner planner;
  private final Lease leadership;
  private final ScheduledExecutorService thread;

  // Leader state, on the coordinator thread only.
  private boolean leading;
  private PublishedAssignment published;
  private List<SyncNode> baseline;
  private Assignment target;
  private Object targetInputs;
  private MoveThrottle throttle;
  private long accountsVersion = Long.MIN_VALUE;
  private List<AccountLoad> loads = List.of();
  private String lastProblem;
  private List<SyncNode> lastLive = List.of();
  private long liveSince;
  /** Before the very first assignment: membership unchanged this long. */
  static final java.time.Duration FIRST_PLACEMENT_SETTLE = java.time.Duration.ofSeconds(2);
  private volatile Status status = new Status(false, 0, 0, 0, null);

  /** What a coordinator is doing, for its health endpoint and {@code syncctl}. */
  public record Status(boolean leader, long version, int accounts, int pendingMoves, String problem) {}

  /**
   * {@code redis} are the commands of {@code connection} (a single Redis or a Redis Cluster: every
   * key the coordinator touches is in the {@code {ctl}} slot). It sets the connection's timeout
   * (a third of the lease) and leaves closing it to the caller.
   */
  public Coordinator(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> redis,
      ClusterKeys keys, AccountSource accounts, CoordinatorOptions options) {
    this.options = options;
    this.connection = connection;
    this.connection.setTimeout(options.leaseTtl().dividedBy(3));
    this.redis = redis;
    this.keys = keys;
    this.accounts = accounts;
    this.planner = new AssignmentPlanner(options.loadFactor());
    this.leadership = new Lease(redis, keys.leader(), options.id() + ":" + java.util.UUID.randomUUID(),
        options.leaseTtl());
    this.thread = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name("imap-sync-coordinator").daemon().factory());
  }

  public void start() {
    thread.scheduleWithFixedDelay(this::tickSafely, 0, options.tick().toMillis(), TimeUnit.MILLISECONDS);
  }

  public Status status() {
    return status;
  }

  public String id() {
    return options.id();
  }

  private void tickSafely() {
    try {
      tick();
      lastProblem = null;
    } catch (RuntimeException e) {
      String problem = e.toString();
      if (!problem.equals(lastProblem)) {
        log.warn("coordinator {}: {}", options.id(), problem);
        lastProblem = problem;
      }
      status = new Status(leading && leadership.isValid(), status.version(), status.accounts(), status.pendingMoves(),
          problem);
    }
  }

  /** One look at the fleet; public for tests that step a coordinator by hand. */
  public void tick() {
    if (!leadership.renew()) {
      if (leading) {
        log.warn("coordinator {}: lost the leader lease; standing by", options.id());
      }
      leading = false;
      status = new Status(false, 0, 0, 0, null);
      return;
    }
    if (!leading) {
      leading = true;
      published = PublishedAssignment.read(redis, keys);
      baseline = published.nodes();
      target = null;
      throttle = new MoveThrottle(options.movesPerSecond(), options.nodeMovesPerSecond(), System.nanoTime());
      log.info("coordinator {}: leading; assignment version {} ({} accounts)", options.id(), published.version(),
          published.owners().size());
    }
    FleetSnapshot fleet = FleetSnapshot.read(redis, keys);
    long v = accounts.version();
    if (v != accountsVersion) {
      loads = accounts.loads();
      accountsVersion = v;
    }
    List<SyncNode> live = fleet.liveNodes();
    if (live.stream().noneMatch(SyncNode::takesAccounts)) {
      String problem = live.isEmpty() ? "no live sync node" : "every live sync node is drained";
      if (!problem.equals(status.problem())) {
        log.warn("coordinator {}: {}: {} accounts wait", options.id(), problem, loads.size());
      }
      status = new Status(true, published.version(), published.owners().size(), 0, problem);
      return;
    }
    if (!live.equals(lastLive)) {
      lastLive = live;
      liveSince = System.nanoTime();
    }
    if (published.version() == 0 && System.nanoTime() - liveSince < FIRST_PLACEMENT_SETTLE.toNanos()) {
      // A fleet starting: nodes join within moments of each other. Placing everything on the
      // first one, then moving two thirds away, would cost every account two logins.
      status = new Status(true, 0, 0, 0, "waiting for nodes to join");
      return;
    }
    Object inputs = List.of(live, accountsVersion, fleet.pins(), fleet.rebalanceRequests());
    if (target == null || !inputs.equals(targetInputs)) {
      // Judged against the membership of the last target reached, not of one half applied: a node
      // that joined keeps pulling its share even if something else changed meanwhile.
      target = planner.target(published, baseline, live, loads, fleet.pins());
      targetInputs = inputs;
      List<OwnerChange> wanted = AssignmentPlanner.changes(published.owners(), target.owners());
      if (!wanted.isEmpty()) {
        log.info("coordinator {}: new target for {} live node(s) {}: {} change(s)", options.id(), live.size(),
            live, wanted.size());
      }
    }
    List<OwnerChange> wanted = AssignmentPlanner.changes(published.owners(), target.owners());
    Set<String> liveIds = new TreeSet<>();
    live.forEach(n -> liveIds.add(n.id()));
    List<OwnerChange> now = throttle.select(wanted, liveIds, System.nanoTime());
    if (now.size() == wanted.size()) {
      baseline = target.nodes(); // the target is reached with this publication
    }
    if (!now.isEmpty() || !Objects.equals(published.nodes(), baseline)) {
      publish(now);
    }
    status = new Status(true, published.version(), published.owners().size(), wanted.size() - now.size(), null);
  }

  private void publish(List<OwnerChange> changes) {
    Map<String, String> owners = new TreeMap<>(published.owners());
    Map<String, String> set = new HashMap<>();
    List<String> removed = new java.util.ArrayList<>();
    for (OwnerChange c : changes) {
      if (c.to() == null) {
        owners.remove(c.accountId());
        removed.add(c.accountId());
      } else {
        owners.put(c.accountId(), c.to());
        set.put(c.accountId(), c.to());
      }
    }
    long version = published.version() + 1;
    long at = System.currentTimeMillis();
    // Entries first, version last: a daemon that sees the new version reads the new entries.
    if (!set.isEmpty()) {
      redis.hset(keys.assignment(), set);
    }
    if (!removed.isEmpty()) {
      redis.hdel(keys.assignment(), removed.toArray(String[]::new));
    }
    redis.hset(keys.assignmentMeta(), Map.of("version", Long.toString(version), "nodes", ClusterJson.write(baseline),
        "leader", options.id(), "at", Long.toString(at)));
    redis.publish(keys.assignmentChannel(), Long.toString(version));
    published = new PublishedAssignment(version, owners, baseline, options.id(), at);
    if (!changes.isEmpty()) {
      log.info("coordinator {}: assignment version {}: {} change(s){}", options.id(), version, changes.size(),
          changes.size() <= 5 ? " " + changes : "");
    }
  }

  /** Leaves the leadership to a standby at once (a graceful stop), then stops. */
  @Override
  public void close() {
    thread.shutdownNow();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      leadership.release();
    } catch (RuntimeException e) {
      log.debug("could not release the leader lease: {}", e.toString()); // it expires by itself
    }
  }
}
