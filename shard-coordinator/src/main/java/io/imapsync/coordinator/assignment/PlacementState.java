package io.imapsync.coordinator.assignment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scratch state of one assignment computation: who owns what so far, node loads, capacities, and
 * each account's node ranking.
 *
 * <p>Nodes are indexed in id order and accounts in processing order, so every loop over them is
 * deterministic whatever order the caller passed them in. Rankings are computed once up front
 * (O(accounts x nodes) scores), because the rebalance phases consult them repeatedly.
 */
final class PlacementState {

  static final int UNPLACED = -1;

  /**
   * Relative slack when rounding: 1.05 * 4500 / 3 evaluates to 1575.0000000000002 in floating
   * point, and must still round to 1575.
   */
  private static final double ROUNDING_SLACK = 1e-12;

  private final SyncNode[] nodes;
  private final Map<String, Integer> nodeIndexById = new HashMap<>();
  private final AccountLoad[] accounts;
  private final int[] owner;
  private final long[] load;
  private final double[] fairShare;
  private final long[] capacity;

  /** Per account: the active node indexes, highest rendezvous score first. */
  private final int[][] preference;

  /** Score of account a on node n at {@code a * nodes.length + n}; 0 for draining nodes. */
  private final double[] scores;

  /**
   * @param sortedNodes validated, sorted by id, at least one with weight > 0
   * @param orderedAccounts validated, in processing order
   */
  PlacementState(List<SyncNode> sortedNodes, List<AccountLoad> orderedAccounts, double loadFactor) {
    this.nodes = sortedNodes.toArray(SyncNode[]::new);
    this.accounts = orderedAccounts.toArray(AccountLoad[]::new);
    int nodeCount = nodes.length;
    for (int n = 0; n < nodeCount; n++) {
      nodeIndexById.put(nodes[n].id(), n);
    }
    this.owner = new int[accounts.length];
    Arrays.fill(owner, UNPLACED);
    this.load = new long[nodeCount];

    long totalConnections = 0;
    for (AccountLoad account : accounts) {
      totalConnections += account.connections();
    }
    double weightSum = 0;
    for (SyncNode node : nodes) {
      weightSum += node.weight();
    }
    this.fairShare = new double[nodeCount];
    this.capacity = new long[nodeCount];
    for (int n = 0; n < nodeCount; n++) {
      double share = nodes[n].weight() / weightSum;
      fairShare[n] = totalConnections * share;
      capacity[n] = capacity(loadFactor, fairShare[n]);
    }

    int[] active = activeNodeIndexes();
    byte[][] nodeIdUtf8 = new byte[nodeCount][];
    for (int n = 0; n < nodeCount; n++) {
      nodeIdUtf8[n] = StableHash.utf8(nodes[n].id());
    }
    this.scores = new double[accounts.length * nodeCount];
    this.preference = new int[accounts.length][];
    for (int a = 0; a < accounts.length; a++) {
      long prefix = StableHash.pairPrefix(StableHash.utf8(accounts[a].accountId()));
      int base = a * nodeCount;
      for (int n : active) {
        long pairHash = StableHash.pairHash(prefix, nodeIdUtf8[n]);
        scores[base + n] = RendezvousScore.score(nodes[n].weight(), pairHash);
      }
      preference[a] = rankByScore(active, base);
    }
  }

  /**
   * {@code max(floor(c * fairShare), ceil(fairShare))}. The textbook cap is {@code ceil(c *
   * fairShare)}; rounding down instead keeps the operator's promise exact (no node over c times its
   * fair share, not "c plus one connection"), and the {@code ceil(fairShare)} floor keeps what the
   * ceil was for: the capacities always add up to at least all connections, so bounded load never
   * runs out of room, even with c = 1.0 or a handful of accounts.
   */
  static long capacity(double loadFactor, double fairShare) {
    long bounded = (long) Math.floor(loadFactor * fairShare * (1 + ROUNDING_SLACK));
    long feasible = (long) Math.ceil(fairShare * (1 - ROUNDING_SLACK));
    return Math.max(bounded, feasible);
  }

  /** Insertion sort, best score first; equal scores (practically never) fall back to id order. */
  private int[] rankByScore(int[] active, int base) {
    int[] ranked = active.clone();
    for (int i = 1; i < ranked.length; i++) {
      int node = ranked[i];
      double score = scores[base + node];
      int j = i - 1;
      while (j >= 0 && scores[base + ranked[j]] < score) {
        ranked[j + 1] = ranked[j];
        j--;
      }
      ranked[j + 1] = node;
    }
    return ranked;
  }

  private int[] activeNodeIndexes() {
    int count = 0;
    for (SyncNode node : nodes) {
      if (node.takesAccounts()) {
        count++;
      }
    }
    int[] active = new int[count];
    int i = 0;
    for (int n = 0; n < nodes.length; n++) {
      if (nodes[n].takesAccounts()) {
        active[i++] = n;
      }
    }
    return active;
  }

  int accountCount() {
    return accounts.length;
  }

  int nodeCount() {
    return nodes.length;
  }

  SyncNode node(int n) {
    return nodes[n];
  }

  AccountLoad account(int a) {
    return accounts[a];
  }

  int connections(int a) {
    return accounts[a].connections();
  }

  /** Index of the node with this id, or {@link #UNPLACED} if it is not a member. */
  int nodeIndex(String nodeId) {
    Integer n = nodeIndexById.get(nodeId);
    return n == null ? UNPLACED : n;
  }

  int ownerOf(int a) {
    return owner[a];
  }

  long load(int n) {
    return load[n];
  }

  double fairShare(int n) {
    return fairShare[n];
  }

  long capacity(int n) {
    return capacity[n];
  }

  double score(int a, int n) {
    return scores[a * nodes.length + n];
  }

  /** Active nodes for account a, best first. Do not modify. */
  int[] preference(int a) {
    return preference[a];
  }

  /** Position of node n in account a's ranking (0 = top choice); MAX_VALUE if n is draining. */
  int rankOf(int a, int n) {
    int[] ranked = preference[a];
    for (int r = 0; r < ranked.length; r++) {
      if (ranked[r] == n) {
        return r;
      }
    }
    return Integer.MAX_VALUE;
  }

  boolean hasRoom(int n, int connections) {
    return capacity[n] - load[n] >= connections;
  }

  boolean isOverCapacity(int n) {
    return load[n] > capacity[n];
  }

  void place(int a, int n) {
    if (owner[a] != UNPLACED) {
      load[owner[a]] -= accounts[a].connections();
    }
    owner[a] = n;
    load[n] += accounts[a].connections();
  }

  /**
   * Account a's best-ranked node that can take it without exceeding capacity, considering only
   * nodes with {@code eligible[n]} (all if null) and never {@code excluded}; UNPLACED if none.
   */
  int bestNodeWithRoom(int a, boolean[] eligible, int excluded) {
    int connections = accounts[a].connections();
    for (int n : preference[a]) {
      if (n != excluded && (eligible == null || eligible[n]) && hasRoom(n, connections)) {
        return n;
      }
    }
    return UNPLACED;
  }

  /** The active node with the most remaining room; ties go to the better-ranked node. */
  int nodeWithMostRoom(int a) {
    int best = UNPLACED;
    long bestRoom = Long.MIN_VALUE;
    for (int n : preference[a]) {
      long room = capacity[n] - load[n];
      if (room > bestRoom) {
        best = n;
        bestRoom = room;
      }
    }
    return best;
  }

  /**
   * Accounts currently on node n, lowest score on n first: the weakest claims, the ones
   * bounded-load HRW would spill first, so the first to give up when the node must shed.
   */
  List<Integer> accountsOnByWeakestClaim(int n) {
    List<Integer> onNode = new ArrayList<>();
    for (int a = 0; a < accounts.length; a++) {
      if (owner[a] == n) {
        onNode.add(a);
      }
    }
    onNode.sort(Comparator.<Integer>comparingDouble(a -> score(a, n)).thenComparingInt(a -> a));
    return onNode;
  }

  Assignment toAssignment(long version) {
    TreeMap<String, String> owners = new TreeMap<>();
    for (int a = 0; a < accounts.length; a++) {
      owners.put(accounts[a].accountId(), nodes[owner[a]].id());
    }
    TreeMap<String, Long> loads = new TreeMap<>();
    for (int n = 0; n < nodes.length; n++) {
      loads.put(nodes[n].id(), load[n]);
    }
    return new Assignment(version, List.of(nodes), owners, loads);
  }
}
