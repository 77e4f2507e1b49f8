package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.RedisFixture;
import io.imapsync.runtime.SharedResources;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Lettuce runs its Redis I/O on the daemon's own event loops: one group for everything non-blocking. */
class SharedEventLoopIntegrationTest {

  @Test
  void lettuceUsesTheSharedEventLoops() throws Exception {
    try (RedisFixture redis = RedisFixture.start(); SharedResources resources = SharedResources.create(2, 1)) {
      RedisClient client = RedisClient.create(resources.lettuceResources(), RedisURI.create(redis.url()));
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        String thread = c.async().ping().toCompletableFuture()
            .thenApply(pong -> Thread.currentThread().getName()).get(10, TimeUnit.SECONDS);
        assertTrue(thread.startsWith("imap-sync-io"), "Lettuce completed on " + thread);
        assertEquals(resources.epoll(), c.getClass() != null && resources.epoll());
      } finally {
        client.shutdown();
      }
      // Lettuce released, not shut down, the borrowed group: it still serves others.
      assertTrue(!resources.eventLoops().isShuttingDown());
    }
  }
}
