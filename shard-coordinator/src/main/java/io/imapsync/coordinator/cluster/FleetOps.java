package io.imapsync.coordinator.cluster;

import io.imapsync.coordinator.assignment.Assignment;
import io.imapsync.coordinator.assignment.SyncNode;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What operators do to the fleet ({@code syncctl} and the coordinator's admin API share it). Every
 * change is a small write to Redis that the leading coordinator picks up on its next tick; each
 * method returns a sentence saying what changed, for the operator and the audit list.
 */
public final class FleetOps {
  private final RedisClusterCommands<String, String> redis;
  private final ClusterKeys keys;

  public FleetOps(RedisClusterCommands<String, String> redis, ClusterKeys keys) {
    this.redis = redis;
    this.keys = keys;
  }

  public List<NodeStatus> nodes() {
    FleetSnapshot fleet = FleetSnapshot.read(redis, keys);
    Map<String, Integer> assigned = PublishedAssignment.read(redis, keys).counts();
    List<NodeStatus> out = new ArrayList<>();
    for (NodeInfo n : fleet.nodes().values()) {
      NodeReport r = fleet.reports().get(n.id());
      Long left = fleet.leaseMillisLeft().get(n.id());
      String state;
      if (left == null) {
        state = "dead";
      } else if (r != null && r.fenced()) {
        state = "fenced";
      } else if (fleet.effectiveWeight(n.id()) == 0) {
        state = "draining";
      } else {
        state = "live";
      }
      out.add(new NodeStatus(n.id(), n.host(), n.pid(), fleet.weightOverrides().getOrDefault(n.id(), n.weight()),
          fleet.effectiveWeight(n.id()), state, assigned.getOrDefault(n.id(), 0), r == null ? -1 : r.running(),
          r == null ? -1 : r.connections(), left == null ? -1 : Math.max(0, n.leaseTtlMillis() - left)));
    }
    return out;
  }

  public PublishedAssignment assignment() {
    return PublishedAssignment.read(redis, keys);
  }

  public String drain(String node) {
    requireKnown(node);
    long added = redis.sadd(keys.drained(), node);
    int accounts = PublishedAssignment.read(redis, keys).counts().getOrDefault(node, 0);
    return added == 0 ? "node " + node + " was already draining (" + accounts + " accounts left on it)"
        : "node " + node + " drains: its " + accounts + " accounts move to other nodes, at the coordinator's move rate";
  }

  /** Also for a node that left meanwhile: its drain mark stays until undrained, and it may come back. */
  public String undrain(String node) {
    long removed = redis.srem(keys.drained(), node);
    return removed == 0 ? "node " + node + " was not draining" : "node " + node + " takes accounts again";
  }

  /** Removes a dead node from the list (and its weight and drain mark); a live one is refused. */
  public String forget(String node) {
    requireKnown(node);
    if (redis.exists(keys.lease(node)) == 1) {
      throw new IllegalArgumentException("node " + node + " is live (its lease is held): stop it first");
    }
    redis.hdel(keys.nodes(), node);
    redis.hdel(keys.reports(), node);
    redis.hdel(keys.weights(), node);
    redis.srem(keys.drained(), node);
    return "node " + node + " forgotten";
  }

  public String weight(String node, double weight) {
    requireKnown(node);
    new SyncNode(node, weight); // the same validation the assignment applies
    String before = redis.hget(keys.weights(), node);
    redis.hset(keys.weights(), node, Double.toString(weight));
    return "node " + node + " weight " + (before == null ? "(its own)" : before) + " -> " + weight;
  }

  /** Pins an account to a node (kept there until {@link #unpin}); the coordinator moves it gracefully. */
  public String move(String account, String node) {
    requireKnown(node);
    FleetSnapshot fleet = FleetSnapshot.read(redis, keys);
    if (!fleet.isLive(node)) {
      throw new IllegalArgumentException("node " + node + " has no live lease: it cannot take " + account);
    }
    if (fleet.effectiveWeight(node) == 0) {
      throw new IllegalArgumentException("node " + node + " is draining or has weight 0: undrain it first");
    }
    String owner = redis.hget(keys.assignment(), account);
    if (owner == null) {
      throw new IllegalArgumentException("account " + account + " is not in the assignment (not registered, or"
          + " the coordinator has not placed it yet)");
    }
    redis.hset(keys.pins(), account, node);
    return "account " + account + " pinned to " + node + (owner.equals(node) ? " (already there)" : " (from " + owner + ")");
  }

  public String unpin(String account) {
    long removed = redis.hdel(keys.pins(), account);
    return removed == 0 ? "account " + account + " was not pinned" : "account " + account + " placed automatically again";
  }

  /** Asks the leading coordinator to compute the target again now. */
  public long requestRebalance() {
    return redis.incr(keys.rebalanceRequests());
  }

  /** The changes a coordinator would make toward a fresh target from what is published now. */
  public List<OwnerChange> plan(AccountSource accounts, double loadFactor) {
    FleetSnapshot fleet = FleetSnapshot.read(redis, keys);
    PublishedAssignment published = PublishedAssignment.read(redis, keys);
    List<SyncNode> live = fleet.liveNodes();
    if (live.stream().noneMatch(SyncNode::takesAccounts)) {
      throw new IllegalStateException("no live node takes accounts: nothing can be placed");
    }
    Assignment target = new AssignmentPlanner(loadFactor).target(published, published.nodes(), live, accounts.loads(),
        fleet.pins());
    return AssignmentPlanner.changes(published.owners(), target.owners());
  }

  private void requireKnown(String node) {
    if (!redis.hexists(keys.nodes(), node)) {
      throw new IllegalArgumentException("unknown node " + node + " (known: " + redis.hkeys(keys.nodes()) + ")");
    }
  }
}
