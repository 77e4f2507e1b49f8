package io.imapsync.coordinator.assignment;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The owner changes between two assignments, sorted by account id.
 *
 * <p>Only accounts present in both count as moves: a new account being placed or a removed account
 * being dropped disturbs no running sync, so it is not churn.
 */
public record AssignmentMoves(List<AccountMove> moves) {

  public AssignmentMoves {
    moves = List.copyOf(moves);
  }

  public static AssignmentMoves between(Assignment before, Assignment after) {
    Objects.requireNonNull(before, "before");
    Objects.requireNonNull(after, "after");
    List<AccountMove> moves = new ArrayList<>();
    for (Map.Entry<String, String> entry : after.owners().entrySet()) {
      String previousOwner = before.owners().get(entry.getKey());
      if (previousOwner != null && !previousOwner.equals(entry.getValue())) {
        moves.add(new AccountMove(entry.getKey(), previousOwner, entry.getValue()));
      }
    }
    return new AssignmentMoves(moves);
  }

  public int size() {
    return moves.size();
  }

  public boolean isEmpty() {
    return moves.isEmpty();
  }

  /** Moves with both ends among {@code nodeIds}, e.g. churn between nodes that stayed. */
  public List<AccountMove> within(Collection<String> nodeIds) {
    return moves.stream()
        .filter(m -> nodeIds.contains(m.fromNodeId()) && nodeIds.contains(m.toNodeId()))
        .toList();
  }
}
