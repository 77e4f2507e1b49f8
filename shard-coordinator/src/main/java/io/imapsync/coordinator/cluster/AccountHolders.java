package io.imapsync.coordinator.cluster;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * Which node runs each account. A node starts an account only after {@link #acquire} said so,
 * and frees it with {@link #release} only once its connections are closed and its last writes
 * landed: so the new owner of a moved account opens its connections after the old owner's are
 * closed, and the account's connection budget holds through the handoff.
 */
public final class AccountHolders {
  /** {@link #acquire} answers. */
  public static final String OK = "ok";
  public static final String NOT_ASSIGNED = "not-assigned";
  public static final String NO_LEASE = "no-lease";

  private final RedisClusterCommands<String, String> redis;
  private final ClusterKeys keys;
  private final String node;
  private final Lease lease;

  public AccountHolders(RedisClusterCommands<String, String> redis, ClusterKeys keys, String node, Lease lease) {
    this.redis = redis;
    this.keys = keys;
    this.node = node;
    this.lease = lease;
  }

  /** {@link #OK}, {@link #NOT_ASSIGNED}, {@link #NO_LEASE}, or the node that still holds the account. */
  public String acquire(String account) {
    return redis.eval(LeaseScripts.ACQUIRE, ScriptOutputType.VALUE,
        new String[] {keys.assignment(), keys.holders(), lease.key()}, account, node, keys.leasePrefix(), lease.token());
  }

  public void release(String account) {
    release(java.util.List.of(account));
  }

  /** Frees the accounts this node still holds, up to 1,000 per round trip. */
  public void release(java.util.Collection<String> accounts) {
    java.util.List<String> all = new java.util.ArrayList<>(accounts);
    for (int from = 0; from < all.size(); from += 1_000) {
      java.util.List<String> chunk = all.subList(from, Math.min(all.size(), from + 1_000));
      String[] args = new String[chunk.size() + 1];
      args[0] = node;
      for (int i = 0; i < chunk.size(); i++) {
        args[i + 1] = chunk.get(i);
      }
      redis.eval(LeaseScripts.RELEASE_ACCOUNTS, ScriptOutputType.INTEGER, new String[] {keys.holders()}, args);
    }
  }
}
