package io.imapsync.coordinator.cluster;

import io.imapsync.coordinator.assignment.SyncNode;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The fleet as Redis shows it at one moment: registered nodes, whose lease is live, operators'
 * weights, drains and pins, and the nodes' last reports.
 *
 * @param leaseMillisLeft live nodes only: milliseconds left on their lease
 */
public record FleetSnapshot(Map<String, NodeInfo> nodes, Map<String, Long> leaseMillisLeft,
    Map<String, Double> weightOverrides, Set<String> drained, Map<String, String> pins,
    Map<String, NodeReport> reports, long rebalanceRequests) {

  public static FleetSnapshot read(RedisClusterCommands<String, String> redis, ClusterKeys keys) {
    Map<String, NodeInfo> nodes = new TreeMap<>();
    Map<String, Long> left = new TreeMap<>();
    for (Map.Entry<String, String> e : redis.hgetall(keys.nodes()).entrySet()) {
      nodes.put(e.getKey(), ClusterJson.read(e.getValue(), NodeInfo.class));
      Long ttl = redis.pttl(keys.lease(e.getKey()));
      if (ttl != null && ttl > 0) {
        left.put(e.getKey(), ttl);
      }
    }
    Map<String, Double> weights = new TreeMap<>();
    redis.hgetall(keys.weights()).forEach((k, v) -> weights.put(k, Double.parseDouble(v)));
    Map<String, NodeReport> reports = new TreeMap<>();
    redis.hgetall(keys.reports()).forEach((k, v) -> reports.put(k, ClusterJson.read(v, NodeReport.class)));
    String rebalance = redis.get(keys.rebalanceRequests());
    return new FleetSnapshot(nodes, left, weights, Set.copyOf(redis.smembers(keys.drained())),
        new TreeMap<>(redis.hgetall(keys.pins())), reports, rebalance == null ? 0 : Long.parseLong(rebalance));
  }

  public boolean isLive(String nodeId) {
    return leaseMillisLeft.containsKey(nodeId);
  }

  /** Weight the assignment uses: 0 while drained, else the operator's, else the node's own. */
  public double effectiveWeight(String nodeId) {
    if (drained.contains(nodeId)) {
      return 0;
    }
    Double override = weightOverrides.get(nodeId);
    if (override != null) {
      return override;
    }
    NodeInfo info = nodes.get(nodeId);
    return info == null ? 0 : info.weight();
  }

  /** Nodes with a live lease, with their effective weights, sorted by id. */
  public List<SyncNode> liveNodes() {
    List<SyncNode> out = new ArrayList<>();
    for (String id : nodes.keySet()) {
      if (isLive(id)) {
        out.add(new SyncNode(id, effectiveWeight(id)));
      }
    }
    return out;
  }
}
