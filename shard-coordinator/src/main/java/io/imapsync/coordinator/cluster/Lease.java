package io.imapsync.coordinator.cluster;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;

/**
 * A lease in Redis (a key with a TTL whose value is the holder's token), and the holder's own
 * monotonic deadline: the lease counts as held only until {@code send time + TTL - margin} of the
 * last successful renewal. Redis started the TTL after that send, so the local deadline passes
 * first, whatever Redis's state: a holder that cannot reach Redis knows when to stop.
 */
public final class Lease {
  private final RedisClusterCommands<String, String> redis;
  private final String key;
  private final String token;
  private final Duration ttl;
  private final long marginNanos;
  private volatile long validUntil;
  private volatile boolean everHeld;

  public Lease(RedisClusterCommands<String, String> redis, String key, String token, Duration ttl) {
    if (ttl.toMillis() < 1000) {
      throw new IllegalArgumentException("lease TTL must be at least 1 s, got " + ttl);
    }
    this.redis = redis;
    this.key = key;
    this.token = token;
    this.ttl = ttl;
    this.marginNanos = ttl.toNanos() / 20; // clocks of two machines run at slightly different rates
  }

  /** Takes or renews the lease; true if this holder has it now. Throws if Redis cannot be reached. */
  public boolean renew() {
    long sent = System.nanoTime();
    Long held = redis.eval(LeaseScripts.RENEW, ScriptOutputType.INTEGER, new String[] {key}, token,
        Long.toString(ttl.toMillis()));
    if (held != null && held == 1L) {
      validUntil = sent + ttl.toNanos() - marginNanos;
      everHeld = true;
      return true;
    }
    validUntil = sent; // someone else holds it: not ours from now
    return false;
  }

  /** True while the last renewal is young enough that Redis cannot have expired the lease yet. */
  public boolean isValid() {
    return everHeld && System.nanoTime() - validUntil < 0;
  }

  /** Nanoseconds until the local deadline (negative once passed). */
  public long nanosLeft() {
    return validUntil - System.nanoTime();
  }

  /** Gives the lease up, if this holder still has it. */
  public void release() {
    everHeld = false;
    redis.eval(LeaseScripts.RELEASE, ScriptOutputType.INTEGER, new String[] {key}, token);
  }

  public String key() {
    return key;
  }

  public String token() {
    return token;
  }

  public Duration ttl() {
    return ttl;
  }
}
