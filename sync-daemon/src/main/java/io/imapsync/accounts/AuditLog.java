package io.imapsync.accounts;

import io.imapsync.publish.KeyLayout;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The audit list of ops and support commands: a capped stream of who, when, what and outcome.
 * Secrets never go in: callers pass a description, not the arguments.
 */
public final class AuditLog {
  /** Most recent entries kept. */
  public static final long MAX_ENTRIES = 100_000;

  private final RedisClusterCommands<String, String> redis;
  private final KeyLayout layout;

  public AuditLog(RedisClusterCommands<String, String> redis, KeyLayout layout) {
    this.redis = redis;
    this.layout = layout;
  }

  public String record(String who, String command, String target, String outcome) {
    Map<String, String> entry = new LinkedHashMap<>();
    entry.put("who", who);
    entry.put("command", command);
    entry.put("target", target == null ? "" : target);
    entry.put("outcome", outcome);
    entry.put("at", Long.toString(System.currentTimeMillis()));
    return redis.xadd(layout.audit(), XAddArgs.Builder.maxlen(MAX_ENTRIES).approximateTrimming(), entry);
  }

  /** Who runs this command: $SUDO_USER, else $USER, else the JVM's user name, with the host. */
  public static String currentOperator() {
    String user = System.getenv("SUDO_USER");
    if (user == null || user.isBlank()) {
      user = System.getenv("USER");
    }
    if (user == null || user.isBlank()) {
      user = System.getProperty("user.name", "unknown");
    }
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      host = "unknown-host";
    }
    return user + "@" + host;
  }
}
