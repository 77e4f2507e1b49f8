package io.imapsync.coordinator.assignment;

import java.util.Objects;

/**
 * A sync server node that can own accounts.
 *
 * @param id stable node id; it feeds the rendezvous hash, so renaming a node reshuffles its
 *     accounts
 * @param weight relative capacity; a node with weight 2 gets about twice the connections of a node
 *     with weight 1. Weight 0 means draining: the node stays known (so its load shows as 0) but
 *     gets no accounts.
 */
public record SyncNode(String id, double weight) {

  public SyncNode {
    Objects.requireNonNull(id, "node id");
    if (id.isBlank()) {
      throw new IllegalArgumentException("node id must not be blank");
    }
    if (Double.isNaN(weight) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("node '" + id + "': weight must be finite, got " + weight);
    }
    if (weight < 0) {
      throw new IllegalArgumentException(
          "node '" + id + "': weight must be >= 0 (0 = draining), got " + weight);
    }
  }

  /** True when the node may take accounts; a weight-0 node is draining. */
  public boolean takesAccounts() {
    return weight > 0;
  }
}
