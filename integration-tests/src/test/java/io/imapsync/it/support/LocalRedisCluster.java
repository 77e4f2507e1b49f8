package io.imapsync.it.support;

import io.imapsync.demo.LocalRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster of three masters (no replicas), each a redis-server process on a free
 * loopback port with its own temp dir: slots split in three, nodes introduced with CLUSTER MEET,
 * ready once every node reports {@code cluster_state:ok}.
 */
public final class LocalRedisCluster implements AutoCloseable {
  private static final int SLOTS = 16_384;
  private final List<LocalRedis> nodes = new ArrayList<>();

  private static LocalRedisCluster shared;

  private LocalRedisCluster() {}

  /**
   * One cluster for every test of this JVM (forming one takes seconds), stopped when the JVM
   * exits. Tests keep apart by key prefix.
   */
  public static synchronized LocalRedisCluster shared() {
    if (shared == null) {
      LocalRedisCluster started = start(3);
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "redis-cluster-stop"));
      shared = started;
    }
    return shared;
  }

  public static LocalRedisCluster start(int masters) {
    LocalRedisCluster cluster = new LocalRedisCluster();
    try {
      for (int i = 0; i < masters; i++) {
        cluster.nodes.add(LocalRedis.start(List.of("cluster-enabled yes", "cluster-config-file nodes.conf",
            "cluster-node-timeout 5000")));
      }
      cluster.form();
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void form() {
    RedisClient client = RedisClient.create();
    List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    try {
      for (LocalRedis n : nodes) {
        connections.add(client.connect(io.lettuce.core.RedisURI.create(n.url())));
      }
      for (int i = 0; i < nodes.size(); i++) {
        int from = SLOTS * i / nodes.size();
        int to = SLOTS * (i + 1) / nodes.size();
        int[] slots = new int[to - from];
        for (int s = from; s < to; s++) {
          slots[s - from] = s;
        }
        connections.get(i).sync().clusterAddSlots(slots);
      }
      for (int i = 1; i < nodes.size(); i++) {
        connections.get(0).sync().clusterMeet("127.0.0.1", nodes.get(i).port());
      }
      Await.until("the Redis Cluster of " + nodes.size() + " masters is ok", Duration.ofSeconds(30),
          () -> connections.stream().allMatch(c -> {
            String info = c.sync().clusterInfo();
            return info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:" + nodes.size());
          }));
    } finally {
      connections.forEach(StatefulRedisConnection::close);
      client.shutdown();
    }
  }

  /** {@code redis-cluster://} URL naming every node as a seed. */
  public String url() {
    return "redis-cluster://" + nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
  }

  public List<Integer> ports() {
    return nodes.stream().map(LocalRedis::port).toList();
  }

  @Override
  public void close() {
    for (LocalRedis n : nodes) {
      n.close();
    }
  }
}
