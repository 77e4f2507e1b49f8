package io.imapsync.cli;

import io.imapsync.accounts.AuditLog;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code syncctl resync ACCOUNT [--mailbox NAME] [--full]}: asks the daemon that runs the account
 * (through Redis) to recheck or rebuild its folders, shows progress, and prints what changed.
 * Recorded in the audit list with its outcome.
 */
@Command(name = "resync", mixinStandardHelpOptions = true,
    description = "Rechecks (default) or rebuilds (--full) an account's folders and reports what changed.")
final class ResyncCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "Account id.") String account;
  @Option(names = "--mailbox", description = "Only this folder (default: every watched folder).") String mailbox;
  @Option(names = "--full", description = "Rebuild: fetch everything again (message ids stay), remove what is gone.") boolean full;
  @Option(names = "--timeout", defaultValue = "PT10M", description = "Give up waiting after this long (default: ${DEFAULT-VALUE}).") Duration timeout;
  @picocli.CommandLine.Mixin RedisOptions redis = new RedisOptions();

  /** A daemon that runs the account answers within a second; this long without an answer means none does. */
  static final Duration PICKUP_DEADLINE = Duration.ofSeconds(15);

  @Override
  public Integer call() throws Exception {
    KeyLayout.checkAccountId(account);
    return redis.withConnection((c, layout) -> {
      RedisClusterCommands<String, String> r = c.sync();
      AuditLog audit = new AuditLog(r, layout);
      String who = AuditLog.currentOperator();
      String id = UUID.randomUUID().toString().substring(0, 12);
      String what = (full ? "resync --full" : "resync") + (mailbox == null ? "" : " --mailbox " + mailbox);
      r.xadd(layout.control(layout.partition(account)), Map.of("request", id, "account", account,
          "mailbox", mailbox == null ? "" : mailbox, "full", Boolean.toString(full), "who", who,
          "at", Long.toString(System.currentTimeMillis())));
      System.out.println("resync " + id + " requested for " + account + (mailbox == null ? " (all folders)" : " " + mailbox)
          + (full ? ", full rebuild" : ", recheck"));
      String statusKey = layout.resyncStatus(account, id);
      long start = System.nanoTime();
      String lastLine = "";
      while (true) {
        Map<String, String> st = r.hgetall(statusKey);
        String status = st.getOrDefault("status", "queued");
        long elapsed = System.nanoTime() - start;
        if (status.equals("queued") && elapsed > PICKUP_DEADLINE.toNanos()) {
          audit.record(who, what, account, "no daemon picked it up");
          System.err.println("error: no daemon picked up the request within " + PICKUP_DEADLINE.toSeconds()
              + " s: is account " + account + " registered, not paused, and a daemon running? (syncctl account list)");
          return 3;
        }
        String line = String.format("  %-8s added %s, updated %s, removed %s%s", status, st.getOrDefault("added", "0"),
            st.getOrDefault("updated", "0"), st.getOrDefault("removed", "0"),
            st.containsKey("current_folder") ? " (" + st.get("current_folder") + ")" : "");
        if (!line.equals(lastLine)) {
          System.out.println(line);
          lastLine = line;
        }
        if (status.equals("done") || status.equals("failed")) {
          String outcome = status + ": added " + st.getOrDefault("added", "0") + ", updated "
              + st.getOrDefault("updated", "0") + ", removed " + st.getOrDefault("removed", "0")
              + (st.containsKey("error") ? " (" + st.get("error") + ")" : "");
          audit.record(who, what, account, outcome);
          System.out.println("resync " + outcome);
          return status.equals("done") ? 0 : 1;
        }
        if (elapsed > timeout.toNanos()) {
          audit.record(who, what, account, "still running after " + timeout);
          System.err.println("error: still running after " + timeout + "; status stays in " + statusKey);
          return 4;
        }
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos()); // polling interval while showing progress
      }
    });
  }
}
