package io.imapsync.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.RedisFixture;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;

/**
 * The whole fleet suite (balance, join, coordinator failover, drain, kill -9, SIGSTOP, sync
 * checker) with a three-master Redis Cluster as the only shared system: nodes and coordinators
 * get a {@code redis-cluster://} URL, the fleet's control keys live in one slot, each account's
 * keys and partition stream in another.
 */
@Tag("integration")
class ShardedFleetOnClusterIntegrationTest extends ShardedFleetIntegrationTest {
  @Override
  RedisFixture startRedis() {
    return RedisFixture.startCluster();
  }

  /** Every master holds some of the accounts' keys; the fleet's control keys are all on one. */
  @Override
  void assertWhereKeysLive(RedisFixture redis, String prefix) {
    assertTrue(redis.isCluster(), "a Redis Cluster");
    RedisClusterClient cluster = (RedisClusterClient) redis.connector().client();
    List<RedisClusterNode> masters = cluster.getPartitions().stream()
        .filter(n -> n.is(RedisClusterNode.NodeFlag.UPSTREAM)).toList();
    assertEquals(3, masters.size(), "masters: " + masters);
    List<Long> accountKeys = new ArrayList<>();
    int holdingControl = 0;
    RedisClient client = RedisClient.create();
    try {
      for (RedisClusterNode master : masters) {
        try (StatefulRedisConnection<String, String> c = client.connect(master.getUri())) {
          accountKeys.add(count(c, prefix + ":{p*"));
          holdingControl += count(c, prefix + ":{ctl}:*") > 0 ? 1 : 0;
        }
      }
    } finally {
      client.shutdown();
    }
    System.out.printf("[shard] Redis Cluster: account keys per master %s; control keys on %d master%n",
        accountKeys, holdingControl);
    assertTrue(accountKeys.stream().allMatch(n -> n > 0), "every master holds account keys: " + accountKeys);
    assertEquals(1, holdingControl, "the {ctl} keys share one slot, so one master");
  }

  private static long count(StatefulRedisConnection<String, String> c, String pattern) {
    long n = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = c.sync().scan(cursor, ScanArgs.Builder.matches(pattern).limit(1000));
      n += page.getKeys().size();
      cursor = page;
    } while (!cursor.isFinished());
    return n;
  }
}
