package io.imapsync.coordinator.cluster;

import java.time.Duration;

/**
 * How a coordinator runs.
 *
 * @param id this coordinator's id (one of several; the one holding the leader lease acts)
 * @param leaseTtl the leader lease; a standby takes over at most this long after the leader died
 * @param tick how often the leader looks at the fleet
 * @param movesPerSecond accounts handed from one live node to another per second, cluster-wide
 * @param nodeMovesPerSecond the same per node, as giver and as taker
 * @param loadFactor c of bounded-load hashing: no node above c times its fair share
 */
public record CoordinatorOptions(String id, Duration leaseTtl, Duration tick, double movesPerSecond,
    double nodeMovesPerSecond, double loadFactor) {
  public static final Duration DEFAULT_LEASE_TTL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_TICK = Duration.ofMillis(250);
  public static final double DEFAULT_MOVES_PER_SECOND = 50;
  public static final double DEFAULT_NODE_MOVES_PER_SECOND = 20;

  public CoordinatorOptions {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("coordinator id must not be blank");
    }
    if (leaseTtl.toMillis() < 1000) {
      throw new IllegalArgumentException("--lease-ttl must be at least 1 s, got " + leaseTtl);
    }
    if (tick.toMillis() < 10 || tick.compareTo(leaseTtl.dividedBy(3)) > 0) {
      throw new IllegalArgumentException("tick must be between 10 ms and a third of the lease TTL");
    }
    if (!(movesPerSecond > 0) || !(nodeMovesPerSecond > 0)) {
      throw new IllegalArgumentException("--moves-per-second and --node-moves-per-second must be positive");
    }
  }

  public static CoordinatorOptions defaults(String id) {
    return new CoordinatorOptions(id, DEFAULT_LEASE_TTL, DEFAULT_TICK, DEFAULT_MOVES_PER_SECOND,
        DEFAULT_NODE_MOVES_PER_SECOND, 1.05);
  }
}
