package io.imapsync.cli;

import io.imapsync.daemon.RedisUrls;
import io.imapsync.publish.KeyLayout;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import picocli.CommandLine.Option;

/** The options every syncctl command takes to find the deployment's Redis and keys (a picocli mixin). */
final class RedisOptions {
  @Option(names = "--redis-url", description = RedisUrls.OPTION_HELP)
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
    T run(RedisConnection connection, KeyLayout layout) throws Exception;
  }

  /** Something done with a client that opens its own connections. */
  interface ClientAction<T> {
    T run(RedisConnector client, KeyLayout layout) throws Exception;
  }

  /** Creates the client, runs the action, and always shuts the client down. */
  <T> T withClient(ClientAction<T> action) throws Exception {
    try (RedisConnector client = RedisConnector.create(redisUrl != null ? redisUrl : RedisUrls.fromEnvironment())) {
      return action.run(client, layout());
    }
  }

  /** Connects, runs the action, and always shuts the client down. */
  <T> T withConnection(Action<T> action) throws Exception {
    try (RedisConnector client = RedisConnector.create(redisUrl != null ? redisUrl : RedisUrls.fromEnvironment());
         RedisConnection c = client.connect()) {
      return action.run(c, layout());
    }
  }
}
