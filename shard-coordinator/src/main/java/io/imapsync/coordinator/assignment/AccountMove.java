package io.imapsync.coordinator.assignment;

import java.util.Objects;

/**
 * One account changing owner: the old node must stop syncing it (release its connections) and the
 * new node start.
 */
public record AccountMove(String accountId, String fromNodeId, String toNodeId) {

  public AccountMove {
    Objects.requireNonNull(accountId, "accountId");
    Objects.requireNonNull(fromNodeId, "fromNodeId");
    Objects.requireNonNull(toNodeId, "toNodeId");
    if (fromNodeId.equals(toNodeId)) {
      throw new IllegalArgumentException(
          "account '"
              + accountId
              + "': a move needs two different nodes, got '"
              + fromNodeId
              + "'");
    }
  }
}
