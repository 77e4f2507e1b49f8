package io.imapsync.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.Objects;

/**
 * One connection to the deployment's Redis, a single server or a Redis Cluster alike. Callers see
 * the commands both have in common (Lettuce's cluster interfaces, which its single-server
 * interfaces extend): every key the daemon writes together shares a hash tag, so nothing here
 * needs a command that spans slots.
 */
public final class RedisConnection implements AutoCloseable {
  private final StatefulConnection<String, String> connection;
  private final RedisClusterCommands<String, String> sync;
  private final RedisClusterAsyncCommands<String, String> async;
  private final boolean cluster;

  private RedisConnection(StatefulConnection<String, String> connection, RedisClusterCommands<String, String> sync,
      RedisClusterAsyncCommands<String, String> async, boolean cluster) {
    this.connection = connection;
    this.sync = sync;
    this.async = async;
    this.cluster = cluster;
  }

  public static RedisConnection of(StatefulRedisConnection<String, String> connection) {
    Objects.requireNonNull(connection, "connection");
    return new RedisConnection(connection, connection.sync(), connection.async(), false);
  }

  public static RedisConnection of(StatefulRedisClusterConnection<String, String> connection) {
    Objects.requireNonNull(connection, "connection");
    return new RedisConnection(connection, connection.sync(), connection.async(), true);
  }

  public RedisClusterCommands<String, String> sync() {
    return sync;
  }

  public RedisClusterAsyncCommands<String, String> async() {
    return async;
  }

  /** The Lettuce connection, for timeouts, flushing and liveness. */
  public StatefulConnection<String, String> stateful() {
    return connection;
  }

  /** True on a Redis Cluster: a command may not name keys of different slots. */
  public boolean isCluster() {
    return cluster;
  }

  public boolean isOpen() {
    return connection.isOpen();
  }

  @Override
  public void close() {
    connection.close();
  }
}
