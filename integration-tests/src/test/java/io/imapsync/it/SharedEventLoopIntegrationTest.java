package io.imapsync.it;

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
        // BLPOP stays open until another client pushes, so the callback is attached before the
        // reply arrives and runs on the thread that reads it.
        String key = RedisFixture.uniquePrefix("loop") + ":list";
        java.util.concurrent.CompletableFuture<String> thread = c.async().blpop(10, key).toCompletableFuture()
            .thenApply(kv -> Thread.currentThread().getName());
        redis.sync().lpush(key, "wake");
        String name = thread.get(10, TimeUnit.SECONDS);
        assertTrue(name.startsWith("imap-sync-io"), "Lettuce completed on " + name);
      } finally {
        client.shutdown();
      }
      // Lettuce released, not shut down, the borrowed group: it still serves others.
      assertTrue(!resources.eventLoops().isShuttingDown());
    }
  }
}
