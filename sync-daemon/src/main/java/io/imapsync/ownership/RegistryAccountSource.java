package io.imapsync.ownership;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.coordinator.assignment.AccountLoad;
import io.imapsync.coordinator.cluster.AccountSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry as the coordinator sees it: every account not paused, weighted by the connections
 * it will hold (one for a single named folder, else its connection budget). Paused accounts are
 * not placed: they hold nothing, and are placed like new ones when resumed.
 */
public final class RegistryAccountSource implements AccountSource {
  private final AccountRegistry registry;

  public RegistryAccountSource(AccountRegistry registry) {
    this.registry = registry;
  }

  @Override
  public long version() {
    return registry.version();
  }

  @Override
  public List<AccountLoad> loads() {
    List<AccountLoad> out = new ArrayList<>();
    for (AccountRecord r : registry.list()) {
      if (!r.paused()) {
        out.add(new AccountLoad(r.id(), connections(r)));
      }
    }
    return out;
  }

  static int connections(AccountRecord r) {
    boolean oneFolder = r.mailboxes().size() == 1 && !r.mailboxes().get(0).equals("*");
    return oneFolder ? 1 : Math.max(1, r.connectionBudget());
  }
}
