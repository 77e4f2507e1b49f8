package io.imapsync.daemon;

import io.imapsync.metrics.RedisWriteMeters;
import io.imapsync.publish.FeedWriter;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import io.imapsync.runtime.SharedResources;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One Redis connection per event loop, each registered on its loop. An account is given a lane
 * and runs its IMAP sessions on the lane's loop, so the replies to its Redis reads and writes
 * arrive on the thread that runs its sessions: a push crosses threads only to be parsed. With a
 * single shared connection every reply arrived on one loop and had to be handed back to the
 * account's (and that loop carried twice the other's CPU).
 */
final class RedisLanes implements AutoCloseable {
  /** One loop's connection and the batch writer on it. */
  record Lane(EventLoop loop, RedisConnection redis, FeedWriter writer) {}

  private final List<RedisConnector> connectors = new ArrayList<>();
  private final List<Lane> lanes = new ArrayList<>();
  private final AtomicInteger next = new AtomicInteger();

  RedisLanes(SharedResources resources, String redisUrl, RedisWriteMeters meters) {
    try {
      for (EventLoop loop : resources.loops()) {
        RedisConnector connector = RedisConnector.create(resources.lettuceResourcesOn(loop), redisUrl);
        connectors.add(connector);
        RedisConnection redis = connector.connect();
        lanes.add(new Lane(loop, redis, new FeedWriter(redis.async(), meters)));
      }
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Loads the write script on every connection. */
  CompletableFuture<Void> preload() {
    return CompletableFuture.allOf(lanes.stream().map(l -> l.writer().preload()).toArray(CompletableFuture[]::new));
  }

  /** The first lane: for the daemon's own writes (account states, health pings). */
  Lane first() {
    return lanes.get(0);
  }

  /** Lanes in turn: accounts spread evenly over the loops. */
  Lane next() {
    return lanes.get(Math.floorMod(next.getAndIncrement(), lanes.size()));
  }

  List<Lane> all() {
    return List.copyOf(lanes);
  }

  @Override
  public void close() {
    for (Lane lane : lanes) {
      lane.redis().close();
    }
    for (RedisConnector connector : connectors) {
      connector.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
