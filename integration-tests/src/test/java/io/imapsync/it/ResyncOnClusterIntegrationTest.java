package io.imapsync.it;

import io.imapsync.it.support.RedisFixture;
import org.junit.jupiter.api.Tag;

/**
 * Support's resync through a Redis Cluster: {@code syncctl} with a {@code redis-cluster://} URL
 * writes the request to a partition's control stream, and the daemon, which polls every
 * partition's control stream on its own there, runs it and reports.
 */
@Tag("integration")
class ResyncOnClusterIntegrationTest extends ResyncIntegrationTest {
  @Override
  RedisFixture startRedis() {
    return RedisFixture.startCluster();
  }
}
