package io.imapsync.coordinator.cluster;

import io.imapsync.coordinator.assignment.AccountLoad;
import io.imapsync.coordinator.assignment.Assignment;
import io.imapsync.coordinator.assignment.BoundedLoadRendezvous;
import io.imapsync.coordinator.assignment.SyncNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Where every account should be: {@link BoundedLoadRendezvous#rebalance} from what is published,
 * with operators' pins laid over it. Pure; the coordinator and {@code syncctl rebalance --dry-run}
 * compute the same thing from the same inputs.
 */
public final class AssignmentPlanner {
  private final BoundedLoadRendezvous algorithm;

  public AssignmentPlanner(double loadFactor) {
    this.algorithm = new BoundedLoadRendezvous(loadFactor);
  }

  /**
   * @param published what the daemons follow now
   * @param baseline the membership the previous target was computed for (whose share grew is
   *     judged against it)
   * @param live the nodes with a live lease and their effective weights
   * @throws IllegalArgumentException when no live node takes accounts
   */
  public Assignment target(PublishedAssignment published, List<SyncNode> baseline, List<SyncNode> live,
      Collection<AccountLoad> accounts, Map<String, String> pins) {
    Map<String, SyncNode> byId = new HashMap<>();
    live.forEach(n -> byId.put(n.id(), n));
    Map<String, String> validPins = new TreeMap<>();
    Set<String> known = new HashSet<>();
    accounts.forEach(a -> known.add(a.accountId()));
    pins.forEach((account, node) -> {
      SyncNode n = byId.get(node);
      if (known.contains(account) && n != null && n.takesAccounts()) {
        validPins.put(account, node); // a pin to a gone or drained node is ignored, not obeyed
      }
    });
    List<AccountLoad> free = new ArrayList<>();
    for (AccountLoad a : accounts) {
      if (!validPins.containsKey(a.accountId())) {
        free.add(a);
      }
    }
    Map<String, String> previousOwners = new TreeMap<>(published.owners());
    previousOwners.keySet().removeAll(validPins.keySet());
    Assignment previous = new Assignment(published.version(), baseline, new TreeMap<>(previousOwners), new TreeMap<>());
    Assignment placed = algorithm.rebalance(previous, live, free);
    Map<String, String> owners = new TreeMap<>(placed.owners());
    owners.putAll(validPins);
    Map<String, Long> loads = new TreeMap<>(placed.nodeLoads());
    Map<String, Integer> budget = new HashMap<>();
    accounts.forEach(a -> budget.put(a.accountId(), a.connections()));
    validPins.forEach((account, node) -> loads.merge(node, (long) budget.get(account), Long::sum));
    return new Assignment(placed.version(), live, new TreeMap<>(owners), new TreeMap<>(loads));
  }

  /** Every difference between two owner maps, sorted by account id. */
  public static List<OwnerChange> changes(Map<String, String> from, Map<String, String> to) {
    Set<String> ids = new java.util.TreeSet<>(from.keySet());
    ids.addAll(to.keySet());
    List<OwnerChange> out = new ArrayList<>();
    for (String id : ids) {
      String a = from.get(id);
      String b = to.get(id);
      if (a == null ? b != null : !a.equals(b)) {
        out.add(new OwnerChange(id, a, b));
      }
    }
    return out;
  }
}
