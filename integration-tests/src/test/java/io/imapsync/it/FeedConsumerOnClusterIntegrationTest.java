package io.imapsync.it;

import io.imapsync.it.support.RedisFixture;
import org.junit.jupiter.api.Tag;

/**
 * The consumer tests on a three-master Redis Cluster: each partition stream is in its own slot
 * there, so the consumer reads them one by one and sleeps on the partitions' wake-up channels.
 */
@Tag("integration")
class FeedConsumerOnClusterIntegrationTest extends FeedConsumerIntegrationTest {
  @Override
  RedisFixture startRedis() {
    return RedisFixture.startCluster();
  }
}
