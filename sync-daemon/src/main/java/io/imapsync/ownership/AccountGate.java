package io.imapsync.ownership;

/**
 * Whether this daemon may run an account now. Alone, a daemon runs every registered account
 * ({@link #ALL}); in a fleet, {@link NodeMembership} admits only what the coordinator assigned to
 * it and what no other node still holds.
 */
public interface AccountGate {
  /** Does the fleet's work for one tick; true if what this daemon owns may have changed. */
  boolean tick();

  /** True while the account is this daemon's to run. */
  boolean owns(String accountId);

  /** Claims the account before it starts; false: not yet (another node still holds it). */
  boolean admit(String accountId);

  /** These accounts' connections are closed and their writes landed: another node may take them. */
  void release(java.util.Collection<String> accountIds);

  /**
   * How many times the gate stopped every account by itself (its lease lapsed): the daemon's
   * record of what runs is then stale, and each of those accounts must be released and admitted
   * again.
   */
  default long fences() {
    return 0;
  }

  /** What the daemon runs, reported at the gate's pace. */
  default void report(int running, int connections) {}

  AccountGate ALL = new AccountGate() {
    @Override
    public boolean tick() {
      return false;
    }

    @Override
    public boolean owns(String accountId) {
      return true;
    }

    @Override
    public boolean admit(String accountId) {
      return true;
    }

    @Override
    public void release(java.util.Collection<String> accountIds) {}
  };
}
