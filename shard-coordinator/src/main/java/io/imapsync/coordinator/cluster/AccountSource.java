package io.imapsync.coordinator.cluster;

import io.imapsync.coordinator.assignment.AccountLoad;
import java.util.List;

/** The accounts to place and their connection budgets: the daemon's account registry, seen by the coordinator. */
public interface AccountSource {
  /** Changes whenever the account list or a budget changes (cheap: checked every tick). */
  long version();

  /** Every account to place, with the connections it holds (its load). */
  List<AccountLoad> loads();
}
