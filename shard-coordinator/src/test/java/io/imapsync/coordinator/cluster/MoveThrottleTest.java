package io.imapsync.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MoveThrottleTest {
  private static final long SECOND = 1_000_000_000L;

  private static List<OwnerChange> moves(int n, String from, String to) {
    List<OwnerChange> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new OwnerChange("a" + i, from, to));
    }
    return out;
  }

  @Test
  void liveToLiveMovesAreLimitedClusterWideAndPerNode() {
    MoveThrottle t = new MoveThrottle(10, 4, 0);
    // Per node 4/s binds first: one taker.
    assertEquals(4, t.select(moves(100, "n1", "n2"), Set.of("n1", "n2"), 0).size());
    // A second later, another second's worth, never more (no burst beyond one second).
    assertEquals(4, t.select(moves(100, "n1", "n2"), Set.of("n1", "n2"), 5 * SECOND).size());
  }

  @Test
  void clusterLimitBindsAcrossNodes() {
    MoveThrottle t = new MoveThrottle(10, 100, 0);
    List<OwnerChange> wanted = new ArrayList<>(moves(20, "n1", "n2"));
    wanted.addAll(moves(20, "n3", "n4"));
    assertEquals(10, t.select(wanted, Set.of("n1", "n2", "n3", "n4"), 0).size());
    assertEquals(5, t.select(wanted, Set.of("n1", "n2", "n3", "n4"), SECOND / 2).size());
  }

  @Test
  void newRemovedAndOrphanedAccountsAreNeverHeldBack() {
    MoveThrottle t = new MoveThrottle(1, 1, 0);
    List<OwnerChange> wanted = new ArrayList<>(moves(50, null, "n2")); // new accounts
    wanted.addAll(moves(50, "dead", "n2")); // the owner's lease expired
    wanted.add(new OwnerChange("gone", "n1", null)); // unregistered
    assertEquals(101, t.select(wanted, Set.of("n1", "n2"), 0).size());
  }
}
