package io.imapsync.ops;

import io.imapsync.accounts.AccountRecord;
import io.imapsync.accounts.AccountRegistry;
import io.imapsync.accounts.AuditLog;
import io.imapsync.coordinator.cluster.ClusterKeys;
import io.imapsync.coordinator.cluster.FleetOps;
import io.imapsync.coordinator.cluster.NodeStatus;
import io.imapsync.coordinator.cluster.OwnerChange;
import io.imapsync.coordinator.cluster.PublishedAssignment;
import io.imapsync.ownership.RegistryAccountSource;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.List;
import java.util.Optional;

/**
 * The operator's commands on a fleet, for {@code syncctl} and the coordinator's admin API alike:
 * each changes Redis, says in one sentence what it changed, and is recorded in the audit list
 * (who, what, target, outcome) beside support's resyncs. A refused command is recorded too.
 */
public final class FleetControl {
  private final FleetOps fleet;
  private final AccountRegistry registry;
  private final AuditLog audit;
  private final String who;

  public FleetControl(RedisClusterCommands<String, String> redis, KeyLayout layout, String who) {
    this.fleet = new FleetOps(redis, new ClusterKeys(layout.prefix()));
    this.registry = new AccountRegistry(redis, layout);
    this.audit = new AuditLog(redis, layout);
    this.who = who;
  }

  public List<NodeStatus> nodes() {
    return fleet.nodes();
  }

  public PublishedAssignment assignment() {
    return fleet.assignment();
  }

  /** The assignment as JSON-ready data: version, leader, accounts per node, and optionally every owner. */
  public static java.util.Map<String, Object> summary(PublishedAssignment a, boolean withAccounts) {
    java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
    out.put("version", a.version());
    out.put("leader", a.leader());
    out.put("at", a.at());
    out.put("nodes", a.counts());
    if (withAccounts) {
      out.put("owners", a.owners());
    }
    return out;
  }

  public String drain(String node) {
    return recorded("drain", node, () -> fleet.drain(node));
  }

  public String undrain(String node) {
    return recorded("undrain", node, () -> fleet.undrain(node));
  }

  public String forget(String node) {
    return recorded("forget", node, () -> fleet.forget(node));
  }

  public String weight(String node, double weight) {
    return recorded("weight " + weight, node, () -> fleet.weight(node, weight));
  }

  public String move(String account, String node) {
    return recorded("move --to " + node, account, () -> fleet.move(account, node));
  }

  public String unpin(String account) {
    return recorded("move --unpin", account, () -> fleet.unpin(account));
  }

  public String pause(String account) {
    return recorded("account pause", account, () -> toggle(account, true));
  }

  public String resume(String account) {
    return recorded("account resume", account, () -> toggle(account, false));
  }

  /** The changes a new target would make now; unless {@code dryRun}, asks the coordinator to make them. */
  public List<OwnerChange> rebalance(boolean dryRun, double loadFactor) {
    List<OwnerChange> plan = fleet.plan(new RegistryAccountSource(registry), loadFactor);
    if (!dryRun) {
      fleet.requestRebalance();
      audit.record(who, "rebalance", "*", plan.size() + " change(s) requested");
    }
    return plan;
  }

  private String toggle(String account, boolean paused) {
    Optional<AccountRecord> r = registry.get(account);
    if (r.isEmpty()) {
      throw new IllegalArgumentException("no account " + account);
    }
    if (r.get().paused() == paused) {
      return "account " + account + " was already " + (paused ? "paused" : "running");
    }
    registry.put(r.get().withPaused(paused, System.currentTimeMillis()));
    return paused ? "account " + account + " paused: its node stops it (its data stays)"
        : "account " + account + " resumed: the coordinator places it, its node resumes it from its checkpoints";
  }

  private interface Action {
    String run();
  }

  private String recorded(String command, String target, Action action) {
    try {
      String outcome = action.run();
      audit.record(who, command, target, outcome);
      return outcome;
    } catch (IllegalArgumentException e) {
      audit.record(who, command, target, "refused: " + e.getMessage());
      throw e;
    }
  }
}
