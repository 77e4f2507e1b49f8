package io.imapsync.coordinator.assignment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Which node owns which account, as computed for one cluster membership. Immutable; collections are
 * sorted by id so two equal assignments also print, iterate and serialize identically.
 *
 * @param version increases by one with every {@link BoundedLoadRendezvous#rebalance}; the empty
 *     assignment is version 0
 * @param nodes the membership this was computed for, weights included. {@code rebalance} needs it:
 *     whether a node's share of the cluster grew or shrank decides which moves are allowed.
 * @param owners account id to owning node id
 * @param nodeLoads node id to the sum of its accounts' connections, for every node in {@code nodes}
 *     (a draining node shows 0)
 */
public record Assignment(
    long version,
    List<SyncNode> nodes,
    SortedMap<String, String> owners,
    SortedMap<String, Long> nodeLoads) {

  private static final Assignment EMPTY =
      new Assignment(0, List.of(), Collections.emptySortedMap(), Collections.emptySortedMap());

  public Assignment {
    List<SyncNode> sortedNodes = new ArrayList<>(Objects.requireNonNull(nodes, "nodes"));
    sortedNodes.sort(Comparator.comparing(SyncNode::id));
    nodes = List.copyOf(sortedNodes);
    owners = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(owners)));
    nodeLoads = Collections.unmodifiableSortedMap(new TreeMap<>(Objects.requireNonNull(nodeLoads)));
  }

  /** The starting point before any node existed: owns nothing, every account is new. */
  public static Assignment empty() {
    return EMPTY;
  }

  public Optional<String> ownerOf(String accountId) {
    return Optional.ofNullable(owners.get(accountId));
  }

  /** Connections owned by the node, 0 if it is unknown or draining. */
  public long loadOf(String nodeId) {
    return nodeLoads.getOrDefault(nodeId, 0L);
  }

  /** Node weights by id, as they were when this assignment was computed. */
  Map<String, Double> weightsById() {
    Map<String, Double> weights = new TreeMap<>();
    for (SyncNode node : nodes) {
      weights.put(node.id(), node.weight());
    }
    return weights;
  }
}
