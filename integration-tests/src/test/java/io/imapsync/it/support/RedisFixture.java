package io.imapsync.it.support;

import io.imapsync.demo.LocalRedis;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.UUID;

/**
 * A real Redis for a test: the one in REDIS_URL when set, else a redis-server process started on a
 * free port. Every test gets its own key prefix and deletes only keys under it.
 */
public final class RedisFixture implements AutoCloseable {
  private final LocalRedis local;
  private final String url;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  private RedisFixture(LocalRedis local, String url) {
    this.local = local;
    this.url = url;
    this.client = RedisClient.create(url);
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

  public String url() {
    return url;
  }

  public RedisCommands<String, String> sync() {
    return connection.sync();
  }

  public StatefulRedisConnection<String, String> connect() {
    return client.connect();
  }

  /** A fresh prefix for one test's keys. */
  public static String uniquePrefix(String test) {
    return "it-" + test + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Deletes the keys under {@code prefix:} and nothing else. */
  public void deleteKeys(String prefix) {
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = sync().scan(cursor, ScanArgs.Builder.matches(prefix + ":*").limit(500));
      if (!page.getKeys().isEmpty()) {
        sync().del(page.getKeys().toArray(String[]::new));
      }
      cursor = page;
    } while (!cursor.isFinished());
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
    if (local != null) {
      local.close();
    }
  }
}
