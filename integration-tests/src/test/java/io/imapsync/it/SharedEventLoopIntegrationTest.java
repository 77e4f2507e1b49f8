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

  @Test
  void aConnectionOnPinnedResourcesLivesOnItsLoopAlsoAfterAReconnect() throws Exception {
    try (RedisFixture redis = RedisFixture.start(); SharedResources resources = SharedResources.create(2, 1)) {
      for (io.netty.channel.EventLoop loop : resources.loops()) {
        RedisClient client = RedisClient.create(resources.lettuceResourcesOn(loop), RedisURI.create(redis.url()));
        try (StatefulRedisConnection<String, String> c = client.connect()) {
          assertTrue(repliesOn(redis, c, loop), "a reply ran off the connection's loop");
          // The server drops the connection; Lettuce reconnects through the same resources.
          long id = c.sync().clientId();
          redis.sync().clientKill(io.lettuce.core.KillArgs.Builder.id(id));
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          long now = id;
          while (now == id && System.nanoTime() < deadline) {
            try {
              now = c.sync().clientId();
            } catch (io.lettuce.core.RedisException e) {
              // disconnected a moment: the next call waits for the reconnect
            }
          }
          assertTrue(now != id, "reconnected as a new client");
          assertTrue(repliesOn(redis, c, loop), "after the reconnect a reply ran off the connection's loop");
        } finally {
          client.shutdown();
        }
      }
      assertTrue(resources.loops().stream().noneMatch(io.netty.channel.EventLoop::isShuttingDown),
          "the pinned resources release their loop, never shut it down");
    }
  }

  /** A BLPOP's continuation (attached before the reply exists) runs on {@code loop}. */
  private static boolean repliesOn(RedisFixture redis, StatefulRedisConnection<String, String> c,
      io.netty.channel.EventLoop loop) throws Exception {
    String key = RedisFixture.uniquePrefix("pinned") + ":list";
    java.util.concurrent.CompletableFuture<Boolean> onLoop = c.async().blpop(10, key).toCompletableFuture()
        .thenApply(kv -> loop.inEventLoop());
    redis.sync().lpush(key, "wake");
    return onLoop.get(10, TimeUnit.SECONDS);
  }
}
