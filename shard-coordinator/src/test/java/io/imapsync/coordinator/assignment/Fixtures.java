package io.imapsync.coordinator.assignment;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Test clusters and the numbers an operator would look at. */
final class Fixtures {

  private Fixtures() {}

  static List<SyncNode> equalNodes(int count) {
    List<SyncNode> nodes = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      nodes.add(new SyncNode(nodeId(i), 1.0));
    }
    return nodes;
  }

  static String nodeId(int i) {
    return String.format("sync-%02d", i);
  }

  /** Accounts with a seeded mix of 1- and 2-connection budgets. */
  static List<AccountLoad> accounts(int count, long seed) {
    Random random = new Random(seed);
    List<AccountLoad> accounts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      accounts.add(
          new AccountLoad("user" + i + ".s" + seed + "@example.org", 1 + random.nextInt(2)));
    }
    return accounts;
  }

  static List<SyncNode> withWeight(List<SyncNode> nodes, String nodeId, double weight) {
    return nodes.stream()
        .map(n -> n.id().equals(nodeId) ? new SyncNode(nodeId, weight) : n)
        .toList();
  }

  /**
   * Most loaded node relative to the cluster average, in connections per unit of weight: 1.0 is
   * perfect, 1.05 means the busiest node carries 5% more than its fair share. Draining nodes are
   * not counted.
   */
  static double maxOverMeanLoadPerWeight(Assignment assignment) {
    double weightSum = 0;
    long total = 0;
    double max = 0;
    for (SyncNode node : assignment.nodes()) {
      if (node.weight() == 0) {
        continue;
      }
      long load = assignment.loadOf(node.id());
      weightSum += node.weight();
      total += load;
      max = Math.max(max, load / node.weight());
    }
    return max / (total / weightSum);
  }

  static double movedFraction(AssignmentMoves moves, Assignment after) {
    return (double) moves.size() / after.owners().size();
  }
}
