package io.imapsync.cli;

import io.imapsync.daemon.RedisUrls;
import io.imapsync.publish.KeyLayout;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import picocli.CommandLine.Option;

/** The options every syncctl command takes to find the deployment's Redis and keys (a picocli mixin). */
final class RedisOptions {
  @Option(names = "--redis-url", description = "Redis URL (default: REDIS_URL, else " + RedisUrls.DEFAULT + ").")
  String redisUrl;

  @Option(names = "--key-prefix", defaultValue = KeyLayout.DEFAULT_PREFIX, description = "Key prefix (default: ${DEFAULT-VALUE}).")
  String prefix;

  @Option(names = "--partitions", defaultValue = "16", description = "Partitions of the deployment (default: ${DEFAULT-VALUE}).")
  int partitions;

  KeyLayout layout() {
    return new KeyLayout(prefix, partitions);
  }

  /** Something done with one Redis connection. */
  interface Action<T> {
    T run(StatefulRedisConnection<String, String> connection, KeyLayout layout) throws Exception;
  }

  /** Connects, runs the action, and always shuts the client down. */
  <T> T withConnection(Action<T> action) throws Exception {
    RedisClient client = RedisClient.create(redisUrl != null ? redisUrl : RedisUrls.fromEnvironment());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return action.run(c, layout());
    } finally {
      client.shutdown();
    }
  }
}
