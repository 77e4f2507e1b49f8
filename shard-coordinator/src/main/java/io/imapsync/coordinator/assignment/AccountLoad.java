package io.imapsync.coordinator.assignment;

import java.util.Objects;

/**
 * A mailbox account to place, with what it costs the node that owns it.
 *
 * @param accountId stable account id; it feeds the rendezvous hash
 * @param connections the account's IMAP connection budget (IDLE plus worker connections), the unit
 *     in which node load and node capacity are measured
 */
public record AccountLoad(String accountId, int connections) {

  public AccountLoad {
    Objects.requireNonNull(accountId, "account id");
    if (accountId.isBlank()) {
      throw new IllegalArgumentException("account id must not be blank");
    }
    if (connections < 1) {
      throw new IllegalArgumentException(
          "account '" + accountId + "': connections must be >= 1, got " + connections);
    }
  }
}
