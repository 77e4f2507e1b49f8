package io.imapsync.it.support;

import io.imapsync.demo.LocalRedis;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.UUID;

/**
 * A real Redis for a test: the one in REDIS_URL when set, else a redis-server process started on a
 * free port; or, from {@link #startCluster}, a Redis Cluster (REDIS_CLUSTER_URL when set, else
 * three local masters shared by the
 * JVM's tests). Every test gets its own key prefix and deletes only keys under it.
 */
public final class RedisFixture implements AutoCloseable {
  private final AutoCloseable local;
  private final String url;
  private final RedisConnector client;
  private final RedisConnection connection;

  private RedisFixture(AutoCloseable local, String url) {
    this.local = local;
    this.url = url;
    this.client = RedisConnector.create(url);
    this.connection = client.connect();
  }

  public static RedisFixture start() {
    String env = System.getenv("REDIS_URL");
    if (env != null && !env.isBlank()) {
      return new RedisFixture(null, env.strip());
    }
    LocalRedis redis = LocalRedis.start();
    return new RedisFixture(redis, redis.url());
  }

  /** A Redis Cluster of three masters. */
  public static RedisFixture startCluster() {
    String env = System.getenv("REDIS_CLUSTER_URL");
    if (env != null && !env.isBlank()) {
      return new RedisFixture(null, env.strip());
    }
    return new RedisFixture(null, LocalRedisCluster.shared().url());
  }

  public String url() {
    return url;
  }

  public boolean isCluster() {
    return client.isCluster();
  }

  public RedisClusterCommands<String, String> sync() {
    return connection.sync();
  }

  public RedisConnection connect() {
    return client.connect();
  }

  public RedisConnector connector() {
    return client;
  }

  /** A fresh prefix for one test's keys. */
  public static String uniquePrefix(String test) {
    return "it-" + test + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Deletes the keys under {@code prefix:} and nothing else (on every node of a cluster). */
  public void deleteKeys(String prefix) {
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = sync().scan(cursor, ScanArgs.Builder.matches(prefix + ":*").limit(500));
      for (String key : page.getKeys()) {
        sync().del(key); // one by one: on a cluster the keys of a page span slots
      }
      cursor = page;
    } while (!cursor.isFinished());
  }

  @Override
  public void close() {
    connection.close();
    client.close();
    if (local != null) {
      try {
        local.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
