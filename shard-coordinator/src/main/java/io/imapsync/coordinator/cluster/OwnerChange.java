package io.imapsync.coordinator.cluster;

/**
 * One change of the published assignment.
 *
 * @param from the owner before (null: a new account)
 * @param to the owner after (null: the account is gone from the registry)
 */
public record OwnerChange(String accountId, String from, String to) {
  @Override
  public String toString() {
    return accountId + ": " + (from == null ? "(new)" : from) + " -> " + (to == null ? "(removed)" : to);
  }
}
