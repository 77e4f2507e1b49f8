package io.imapsync.coordinator.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How many accounts may change hands now, so a rebalance or drain never becomes a login storm:
 * token buckets cluster-wide and per node (as source and as destination), each holding at most one
 * second's worth. Free of any limit: new accounts, removed ones, and accounts whose owner is gone
 * (its lease expired: they have no connection to hand over, and every second counts).
 */
public final class MoveThrottle {
  private final double clusterRate;
  private final double nodeRate;
  private double clusterTokens;
  private final Map<String, Double> nodeTokens = new HashMap<>();
  private long last;

  public MoveThrottle(double movesPerSecond, double nodeMovesPerSecond, long nowNanos) {
    if (movesPerSecond <= 0 || nodeMovesPerSecond <= 0) {
      throw new IllegalArgumentException("move rates must be positive");
    }
    this.clusterRate = movesPerSecond;
    this.nodeRate = nodeMovesPerSecond;
    this.clusterTokens = movesPerSecond;
    this.last = nowNanos;
  }

  /** The changes that may be published now, in the order given; the rest wait for a later tick. */
  public List<OwnerChange> select(List<OwnerChange> wanted, Set<String> liveNodes, long nowNanos) {
    double seconds = Math.max(0, (nowNanos - last) / 1e9);
    last = nowNanos;
    clusterTokens = Math.min(clusterRate, clusterTokens + clusterRate * seconds);
    nodeTokens.replaceAll((n, t) -> Math.min(nodeRate, t + nodeRate * seconds));
    List<OwnerChange> out = new ArrayList<>();
    for (OwnerChange c : wanted) {
      boolean free = c.from() == null || c.to() == null || !liveNodes.contains(c.from());
      if (free) {
        out.add(c);
        continue;
      }
      double src = nodeTokens.getOrDefault(c.from(), nodeRate);
      double dst = nodeTokens.getOrDefault(c.to(), nodeRate);
      if (clusterTokens >= 1 && src >= 1 && dst >= 1) {
        clusterTokens -= 1;
        nodeTokens.put(c.from(), src - 1);
        nodeTokens.put(c.to(), dst - 1);
        out.add(c);
      }
    }
    return out;
  }
}
