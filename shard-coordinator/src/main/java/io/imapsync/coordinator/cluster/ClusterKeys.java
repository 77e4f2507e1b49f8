package io.imapsync.coordinator.cluster;

/**
 * Where the fleet's shared state lives in Redis. Every key carries the hash tag {@code {ctl}}, so
 * in a Redis Cluster they share one slot and one Lua script may read and write several of them
 * (the holder check reads the assignment, the holders and a node's lease at once).
 */
public final class ClusterKeys {
  private final String base;

  public ClusterKeys(String prefix) {
    if (prefix == null || prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
      throw new IllegalArgumentException("key prefix must be non-empty and free of braces: '" + prefix + "'");
    }
    this.base = prefix + ":{ctl}:";
  }

  /** Hash: node id -> registration JSON ({@link NodeInfo}). */
  public String nodes() {
    return base + "nodes";
  }

  /** String with a TTL: the node's lease; its value is the token of the process holding it. */
  public String lease(String nodeId) {
    return leasePrefix() + nodeId;
  }

  public String leasePrefix() {
    return base + "lease:";
  }

  /** Hash: node id -> what the node last reported ({@link NodeReport} JSON). */
  public String reports() {
    return base + "reports";
  }

  /** Hash: node id -> weight set by an operator (overrides the node's own). */
  public String weights() {
    return base + "weights";
  }

  /** Set: nodes being drained (weight 0 until undrained; the configured weight is kept). */
  public String drained() {
    return base + "drained";
  }

  /** Hash: account id -> node an operator moved it to (kept there until unpinned). */
  public String pins() {
    return base + "pins";
  }

  /** String with a TTL: the active coordinator's id. */
  public String leader() {
    return base + "leader";
  }

  /** Hash: account id -> owning node id; what the daemons follow. */
  public String assignment() {
    return base + "assignment";
  }

  /** Hash: {@code version}, {@code nodes} (JSON weights the target was computed for), {@code leader}, {@code at}. */
  public String assignmentMeta() {
    return base + "assignment:meta";
  }

  /** Pub/sub channel: the new version, published after every change (a wake-up hint, never the truth). */
  public String assignmentChannel() {
    return base + "assignment:changed";
  }

  /** Hash: account id -> node that runs it (or stopped running it but has not released it yet). */
  public String holders() {
    return base + "holders";
  }

  /** String: incremented by {@code syncctl rebalance}; the leader recomputes when it moves. */
  public String rebalanceRequests() {
    return base + "rebalance";
  }
}
