package io.imapsync.coordinator.assignment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Assigns accounts to sync nodes: weighted rendezvous hashing (HRW) with bounded load. Pure and
 * deterministic: the same inputs, in any order, give an equal {@link Assignment}.
 *
 * <h2>From scratch: {@link #assign}</h2>
 *
 * <p>Every account ranks the nodes by {@link RendezvousScore}. Accounts are taken in a fixed order
 * (by {@link StableHash#accountHash}, then id; never the caller's order) and each goes to its
 * highest-ranked node with room. A node's capacity is c times its fair share of all connections
 * (fair share = total * weight / sumOfWeights), c = 1.05 by default, so no node carries more than
 * 5% over its fair share (see {@link PlacementState#capacity} for the rounding). An account too big
 * for any remaining room goes to the node with the most room left: placed, never dropped.
 *
 * <h2>Why {@link #rebalance} is incremental</h2>
 *
 * <p>Recomputing from scratch after a membership change is not stable. When a 4th node joins 3
 * equal ones every capacity shrinks by a quarter, so accounts that had spilled to their second
 * choice land elsewhere and the spill cascades: accounts move between nodes that did not change at
 * all (the stability tests show it). So {@code rebalance} starts from the previous assignment and
 * moves an account only for one of these reasons, in this order:
 *
 * <ol>
 *   <li><b>Orphaned</b>: its owner left or is draining (or the account is new). It is placed as
 *       from scratch: its highest-ranked node with room.
 *   <li><b>Pulled</b>: a node whose share of the total weight grew (it joined, was undrained or
 *       reweighted up) takes accounts from nodes whose share did not grow, never pulling a donor
 *       below the donor's fair share. First the accounts that rank it above their current owner (so
 *       a joiner gets mostly what plain HRW would give it), then, if a donor is still above its
 *       fair share, that donor's weakest claims, until the growing node reaches its fair share.
 *   <li><b>Shed</b>: a node still over its capacity (capacities shrink when accounts leave) gives
 *       up accounts, weakest rendezvous claim first, preferably to a node whose share grew, else to
 *       a node below its fair share, else to any node with room.
 * </ol>
 *
 * <p>The rule an operator can rely on: accounts flow only from nodes whose share did not grow to
 * nodes whose share grew. When a node joins, the stayers' shares all shrink, so nothing moves among
 * them, and the joiner takes about its fair share, close to the minimum any balanced result must
 * move. When a node drains or crashes, the survivors' shares all grow, so only its accounts move.
 * When nothing changed, nothing moves; new accounts are placed without moving old ones.
 *
 * <p>The price: the result depends on history, not only on the current membership, so it drifts
 * from what {@link #assign} would compute. Capacities still bound every node, and the previous
 * assignment is the versioned state the coordinator stores anyway.
 */
public final class BoundedLoadRendezvous {

  /**
   * At most 5% over fair share: tight enough to size nodes by, loose enough to keep HRW choices.
   */
  public static final double DEFAULT_LOAD_FACTOR = 1.05;

  private final double loadFactor;

  public BoundedLoadRendezvous() {
    this(DEFAULT_LOAD_FACTOR);
  }

  /**
   * @param loadFactor c: no node gets more than c times its fair share of connections; >= 1.0,
   *     since below that the capacities cannot hold every account
   */
  public BoundedLoadRendezvous(double loadFactor) {
    if (!(loadFactor >= 1.0) || Double.isInfinite(loadFactor)) {
      throw new IllegalArgumentException(
          "load factor must be finite and >= 1.0, got " + loadFactor);
    }
    this.loadFactor = loadFactor;
  }

  public double loadFactor() {
    return loadFactor;
  }

  /** Assignment from scratch (version 1): the same as rebalancing the empty assignment. */
  public Assignment assign(Collection<SyncNode> nodes, Collection<AccountLoad> accounts) {
    return rebalance(Assignment.empty(), nodes, accounts);
  }

  /**
   * The assignment for the new membership and accounts that moves as few accounts away from {@code
   * previous} as the rules in the class comment allow. Accounts missing from {@code accounts} are
   * dropped; new ones are placed. The version is {@code previous.version() + 1}.
   */
  public Assignment rebalance(
      Assignment previous, Collection<SyncNode> nodes, Collection<AccountLoad> accounts) {
    Objects.requireNonNull(previous, "previous assignment");
    PlacementState state =
        new PlacementState(validatedNodes(nodes), processingOrder(accounts), loadFactor);
    boolean[] shareGrew = sharesThatGrew(previous, state);

    keepSurvivingOwners(previous, state);
    placeOrphans(state);
    if (anyTrue(shareGrew)) {
      pullPreferringAccounts(state, shareGrew);
      evenOutDonorsAboveFairShare(state, shareGrew);
    }
    shedOverCapacity(state, shareGrew);
    return state.toAssignment(previous.version() + 1);
  }

  private static List<SyncNode> validatedNodes(Collection<SyncNode> nodes) {
    Objects.requireNonNull(nodes, "nodes");
    if (nodes.isEmpty()) {
      throw new IllegalArgumentException("no nodes: at least one sync node is needed");
    }
    Set<String> ids = new HashSet<>();
    boolean anyTakesAccounts = false;
    for (SyncNode node : nodes) {
      Objects.requireNonNull(node, "node");
      if (!ids.add(node.id())) {
        throw new IllegalArgumentException("duplicate node id '" + node.id() + "'");
      }
      anyTakesAccounts |= node.takesAccounts();
    }
    if (!anyTakesAccounts) {
      throw new IllegalArgumentException(
          "all " + nodes.size() + " nodes have weight 0 (draining): no node can take accounts");
    }
    List<SyncNode> sorted = new ArrayList<>(nodes);
    sorted.sort(Comparator.comparing(SyncNode::id));
    return sorted;
  }

  /**
   * Accounts sorted by hash, then id. Order matters because earlier accounts get first pick of
   * room. Hash order rather than id order, so that accounts with similar ids (one tenant's {@code
   * tenant-a/...}) do not all get first pick together.
   */
  private static List<AccountLoad> processingOrder(Collection<AccountLoad> accounts) {
    Objects.requireNonNull(accounts, "accounts");
    Set<String> ids = new HashSet<>();
    List<HashedAccount> hashed = new ArrayList<>(accounts.size());
    for (AccountLoad account : accounts) {
      Objects.requireNonNull(account, "account");
      if (!ids.add(account.accountId())) {
        throw new IllegalArgumentException("duplicate account id '" + account.accountId() + "'");
      }
      hashed.add(new HashedAccount(StableHash.accountHash(account.accountId()), account));
    }
    hashed.sort(
        Comparator.<HashedAccount>comparingLong(h -> h.hash())
            .thenComparing(h -> h.account().accountId()));
    return hashed.stream().map(HashedAccount::account).toList();
  }

  private record HashedAccount(long hash, AccountLoad account) {}

  /** Per node: did its share of the total weight grow since {@code previous}? Joiners: yes. */
  private static boolean[] sharesThatGrew(Assignment previous, PlacementState state) {
    Map<String, Double> previousWeights = previous.weightsById();
    double previousSum = previousWeights.values().stream().mapToDouble(Double::doubleValue).sum();
    double currentSum = 0;
    for (int n = 0; n < state.nodeCount(); n++) {
      currentSum += state.node(n).weight();
    }
    boolean[] grew = new boolean[state.nodeCount()];
    for (int n = 0; n < state.nodeCount(); n++) {
      SyncNode node = state.node(n);
      double previousShare =
          previousSum > 0 ? previousWeights.getOrDefault(node.id(), 0.0) / previousSum : 0;
      grew[n] = node.weight() / currentSum > previousShare;
    }
    return grew;
  }

  /** Keep: every account whose owner is still a member taking accounts stays put, for now. */
  private static void keepSurvivingOwners(Assignment previous, PlacementState state) {
    for (int a = 0; a < state.accountCount(); a++) {
      String previousOwner = previous.owners().get(state.account(a).accountId());
      if (previousOwner == null) {
        continue;
      }
      int n = state.nodeIndex(previousOwner);
      if (n != PlacementState.UNPLACED && state.node(n).takesAccounts()) {
        state.place(a, n);
      }
    }
  }

  /** Orphans: new accounts and those of departed or draining nodes, placed as from scratch. */
  private static void placeOrphans(PlacementState state) {
    for (int a = 0; a < state.accountCount(); a++) {
      if (state.ownerOf(a) != PlacementState.UNPLACED) {
        continue;
      }
      int n = state.bestNodeWithRoom(a, null, PlacementState.UNPLACED);
      state.place(a, n != PlacementState.UNPLACED ? n : state.nodeWithMostRoom(a));
    }
  }

  /**
   * Pull, first pass: nodes whose share grew take the accounts that rank them above their current
   * owner, from nodes whose share did not grow, as long as the donor stays at or above its fair
   * share. Rank-major order (first every account whose top choice is a growing node, then second
   * choices, ...) so the accounts that want a node most get it first: the joiner ends up with
   * largely the accounts plain HRW would give it.
   */
  private static void pullPreferringAccounts(PlacementState state, boolean[] shareGrew) {
    for (int rank = 0; rank < state.nodeCount(); rank++) {
      for (int a = 0; a < state.accountCount(); a++) {
        int[] ranked = state.preference(a);
        if (rank >= ranked.length) {
          break; // every account ranks the same (active) nodes, so no one has this rank
        }
        int grower = ranked[rank];
        int donor = state.ownerOf(a);
        if (!shareGrew[grower] || shareGrew[donor] || state.rankOf(a, donor) <= rank) {
          continue;
        }
        int connections = state.connections(a);
        if (state.hasRoom(grower, connections)
            && state.load(donor) - connections >= state.fairShare(donor)) {
          state.place(a, grower);
        }
      }
    }
  }

  /**
   * Pull, second pass: a donor that is still above its fair share because too few of its accounts
   * prefer a growing node (an HRW-busy node loses only about a joiner's share of its accounts)
   * hands over its weakest claims to growing nodes still below their fair share. Without this the
   * joiner stays under-used and that donor sits at its capacity. It costs no extra churn in total:
   * donors give exactly their excess, which is what the growers lack.
   */
  private static void evenOutDonorsAboveFairShare(PlacementState state, boolean[] shareGrew) {
    boolean[] belowFairShare = new boolean[state.nodeCount()];
    for (int donor = 0; donor < state.nodeCount(); donor++) {
      if (shareGrew[donor] || state.load(donor) <= state.fairShare(donor)) {
        continue;
      }
      for (int a : state.accountsOnByWeakestClaim(donor)) {
        if (state.load(donor) - 1 < state.fairShare(donor)) {
          break; // not even a 1-connection account fits the remaining excess
        }
        int connections = state.connections(a);
        if (state.load(donor) - connections < state.fairShare(donor)) {
          continue; // a smaller account further down may still fit the remaining excess
        }
        for (int n = 0; n < state.nodeCount(); n++) {
          belowFairShare[n] = shareGrew[n] && state.load(n) < state.fairShare(n);
        }
        int grower = state.bestNodeWithRoom(a, belowFairShare, donor);
        if (grower != PlacementState.UNPLACED) {
          state.place(a, grower);
        }
      }
    }
  }

  /**
   * Shed: nodes still over capacity give up accounts, weakest claim first. Destination, each time
   * the account's best-ranked node with room among: nodes whose share grew (keeps the flow rule),
   * else nodes below their fair share (so the move evens load out instead of filling another busy
   * node to the brim), else any node. With an unchanged membership this is the only way an account
   * moves between nodes, and it takes a shrinking account total to need it.
   */
  private static void shedOverCapacity(PlacementState state, boolean[] shareGrew) {
    boolean[] belowFairShare = new boolean[state.nodeCount()];
    for (int node = 0; node < state.nodeCount(); node++) {
      if (!state.isOverCapacity(node)) {
        continue;
      }
      for (int a : state.accountsOnByWeakestClaim(node)) {
        if (!state.isOverCapacity(node)) {
          break;
        }
        for (int n = 0; n < state.nodeCount(); n++) {
          belowFairShare[n] = state.load(n) < state.fairShare(n);
        }
        int target = state.bestNodeWithRoom(a, shareGrew, node);
        if (target == PlacementState.UNPLACED) {
          target = state.bestNodeWithRoom(a, belowFairShare, node);
        }
        if (target == PlacementState.UNPLACED) {
          target = state.bestNodeWithRoom(a, null, node);
        }
        if (target != PlacementState.UNPLACED) {
          state.place(a, target);
        }
      }
    }
  }

  private static boolean anyTrue(boolean[] flags) {
    for (boolean flag : flags) {
      if (flag) {
        return true;
      }
    }
    return false;
  }
}
