package io.imapsync.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens connections to the deployment's Redis from its URL: {@code redis://} or {@code rediss://}
 * for a single server, {@code redis-cluster://} or {@code rediss-cluster://} with one or more
 * comma-separated seed nodes for a Redis Cluster (the rest of the cluster is discovered from them).
 *
 * <pre>
 * redis://:secret@10.0.0.5:6379/0
 * redis-cluster://:secret@10.0.0.5:7000,10.0.0.6:7000,10.0.0.7:7000
 * </pre>
 */
public final class RedisConnector implements AutoCloseable {
  /** How often the cluster layout is re-read even when nothing signalled a change. */
  static final Duration TOPOLOGY_REFRESH = Duration.ofSeconds(30);

  private final RedisClient single;
  private final RedisClusterClient cluster;

  private RedisConnector(RedisClient single, RedisClusterClient cluster) {
    this.single = single;
    this.cluster = cluster;
  }

  /** A connector on its own event loops (command-line tools). */
  public static RedisConnector create(String url) {
    return create(null, url);
  }

  /** A connector on shared event loops ({@code resources} may be null: Lettuce's own). */
  public static RedisConnector create(ClientResources resources, String url) {
    List<RedisURI> seeds = clusterSeeds(url);
    if (seeds == null) {
      RedisURI uri = RedisURI.create(url);
      return new RedisConnector(resources == null ? RedisClient.create(uri) : RedisClient.create(resources, uri), null);
    }
    RedisClusterClient client = resources == null ? RedisClusterClient.create(seeds)
        : RedisClusterClient.create(resources, seeds);
    // Follow failovers and resharding: re-read the layout on MOVED/ASK redirects and lost
    // connections, and periodically.
    client.setOptions(ClusterClientOptions.builder()
        .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
            .enablePeriodicRefresh(TOPOLOGY_REFRESH)
            .enableAllAdaptiveRefreshTriggers()
            .build())
        .build());
    return new RedisConnector(null, client);
  }

  /** True for a {@code redis-cluster://} or {@code rediss-cluster://} URL. */
  public static boolean isClusterUrl(String url) {
    return url.startsWith("redis-cluster://") || url.startsWith("rediss-cluster://");
  }

  /** The seed nodes of a cluster URL, each with the URL's credentials and TLS; null for a single-server URL. */
  static List<RedisURI> clusterSeeds(String url) {
    if (!isClusterUrl(url)) {
      return null;
    }
    String scheme = url.startsWith("rediss-") ? "rediss" : "redis";
    String rest = url.substring(url.indexOf("://") + 3);
    String userInfo = "";
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      userInfo = rest.substring(0, at + 1);
      rest = rest.substring(at + 1);
    }
    String query = "";
    int q = rest.indexOf('?');
    if (q >= 0) {
      query = rest.substring(q);
      rest = rest.substring(0, q);
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.contains("/")) {
      throw new IllegalArgumentException("a Redis Cluster URL names no database (a cluster has only database 0): "
          + redactUserInfo(url));
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String hostPort : rest.split(",")) {
      if (hostPort.isBlank()) {
        throw new IllegalArgumentException("empty seed node in Redis Cluster URL " + redactUserInfo(url));
      }
      seeds.add(RedisURI.create(scheme + "://" + userInfo + hostPort.strip() + query));
    }
    return seeds;
  }

  private static String redactUserInfo(String url) {
    return url.replaceAll("//[^@/]*@", "//***@");
  }

  public boolean isCluster() {
    return cluster != null;
  }

  public RedisConnection connect() {
    return cluster != null ? RedisConnection.of(cluster.connect()) : RedisConnection.of(single.connect());
  }

  /**
   * A pub/sub connection. On a cluster, plain PUBLISH reaches every node, so one subscription
   * anywhere hears all channels.
   */
  public StatefulRedisPubSubConnection<String, String> connectPubSub() {
    return cluster != null ? cluster.connectPubSub() : single.connectPubSub();
  }

  /** The Lettuce client underneath, for what this class does not offer. */
  public AbstractRedisClient client() {
    return cluster != null ? cluster : single;
  }

  public void shutdown(Duration quietPeriod, Duration timeout) {
    client().shutdown(quietPeriod, timeout);
  }

  @Override
  public void close() {
    client().shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
