package io.imapsync.coordinator.cluster;

import io.imapsync.coordinator.assignment.Assignment;
import io.imapsync.coordinator.assignment.SyncNode;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The assignment the daemons follow, as stored in Redis.
 *
 * @param version incremented on every change
 * @param owners account id -> node id
 * @param nodes the membership (with weights) the coordinator's current target was computed for:
 *     the next computation compares the new membership with it to see whose share grew
 * @param leader the coordinator that wrote it
 * @param at when (ms)
 */
public record PublishedAssignment(long version, Map<String, String> owners, List<SyncNode> nodes, String leader,
    long at) {
  public static final PublishedAssignment EMPTY = new PublishedAssignment(0, Map.of(), List.of(), "", 0);

  public static PublishedAssignment read(RedisClusterCommands<String, String> redis, ClusterKeys keys) {
    Map<String, String> meta = redis.hgetall(keys.assignmentMeta());
    Map<String, String> owners = new TreeMap<>(redis.hgetall(keys.assignment()));
    if (meta.isEmpty() && owners.isEmpty()) {
      return EMPTY;
    }
    return new PublishedAssignment(Long.parseLong(meta.getOrDefault("version", "0")), owners,
        ClusterJson.nodes(meta.get("nodes")), meta.getOrDefault("leader", ""), Long.parseLong(meta.getOrDefault("at", "0")));
  }

  /** The version alone: what a daemon checks every tick before reading the whole assignment. */
  public static long readVersion(RedisClusterCommands<String, String> redis, ClusterKeys keys) {
    String v = redis.hget(keys.assignmentMeta(), "version");
    return v == null ? 0 : Long.parseLong(v);
  }

  Assignment asAssignment() {
    return new Assignment(version, nodes, new TreeMap<>(owners), new TreeMap<>());
  }

  /** Accounts per node. */
  public Map<String, Integer> counts() {
    Map<String, Integer> out = new TreeMap<>();
    owners.values().forEach(n -> out.merge(n, 1, Integer::sum));
    return out;
  }
}
