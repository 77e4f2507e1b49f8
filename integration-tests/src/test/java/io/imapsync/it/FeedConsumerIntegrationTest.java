package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.consumer.FeedConsumer;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTrimmer;
import io.imapsync.consumer.StreamWakeups;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.EventPosition;
import io.imapsync.model.Json;
import io.imapsync.publish.EventIds;
import io.imapsync.publish.FeedWriter;
import io.imapsync.publish.KeyLayout;
import io.imapsync.publish.WriteBatch;
import io.imapsync.redis.RedisConnection;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The consumer library against a real Redis: groups, acks, reclaim from a dead consumer, dedupe,
 * safe trimming, reading every partition.
 */
@Tag("integration")
class FeedConsumerIntegrationTest {
  private RedisFixture redis;
  private StatefulRedisPubSubConnection<String, String> pubSub;
  private RedisConnection writerConnection;
  private final List<RedisConnection> connections = new ArrayList<>();
  private String prefix;
  private KeyLayout layout;
  private FeedWriter writer;
  private long epoch;

  @BeforeEach
  void setUp() {
    redis = startRedis();
    pubSub = redis.connector().connectPubSub();
    prefix = RedisFixture.uniquePrefix("consumer");
    layout = new KeyLayout(prefix, 2);
    writerConnection = redis.connect();
    writer = new FeedWriter(writerConnection.async());
    epoch = redis.sync().incr(layout.epoch("acct"));
  }

  /** The Redis the tests run against; {@link FeedConsumerOnClusterIntegrationTest} runs them on a cluster. */
  RedisFixture startRedis() {
    return RedisFixture.start();
  }

  @AfterEach
  void tearDown() {
    connections.forEach(RedisConnection::close);
    writerConnection.close();
    pubSub.close();
    redis.deleteKeys(prefix);
    redis.close();
  }

  private FeedConsumer.Builder consumer(String name) {
    RedisConnection c = redis.connect();
    connections.add(c);
    return FeedConsumer.builder(c, layout).wakeUps(pubSub).group("api").consumer(name);
  }

  /** Writes one event per uid through the real write path; a repeated uid repeats the event id. */
  private void publish(long... uids) throws Exception {
    WriteBatch b = new WriteBatch(layout, "acct", epoch);
    for (long uid : uids) {
      b.event(new ChangeEvent(EventIds.of("message.created", "acct", "INBOX", 1, uid), "message.created", "acct",
          System.currentTimeMillis(), new EventPosition("INBOX", 1, uid, -1), epoch,
          Json.MAPPER.createObjectNode().put("uid", uid)));
    }
    writer.write(b).get();
  }

  private static List<Long> uids(List<FeedEntry> entries) {
    return entries.stream().map(e -> e.event().path("payload").path("uid").asLong()).toList();
  }

  @Test
  void readsInOrderAndAckedEntriesAreNotDeliveredAgain() throws Exception {
    FeedConsumer c = consumer("api-1").build();
    publish(1, 2, 3);
    List<FeedEntry> got = c.poll(Duration.ofSeconds(2));
    assertEquals(List.of(1L, 2L, 3L), uids(got));
    got.forEach(c::ack);
    assertTrue(c.poll(Duration.ofMillis(100)).isEmpty());
    assertEquals(0, redis.sync().xpending(layout.streamOf("acct"), "api").getCount());
  }

  @Test
  void readsEveryPartitionAndHearsWakeUps() throws Exception {
    FeedConsumer c = consumer("api-1").build();
    String other = "acct-b";
    while (layout.partition(other) == layout.partition("acct")) {
      other = other + "b";
    }
    long otherEpoch = redis.sync().incr(layout.epoch(other));
    try (var listening = redis.connector().connectPubSub();
         StreamWakeups wakeups = StreamWakeups.subscribe(listening, layout.wakeChannels())) {
      publish(1);
      WriteBatch b = new WriteBatch(layout, other, otherEpoch);
      b.event(new ChangeEvent(EventIds.of("message.created", other, "INBOX", 1, 9), "message.created", other,
          System.currentTimeMillis(), new EventPosition("INBOX", 1, 9, -1), otherEpoch,
          Json.MAPPER.createObjectNode().put("uid", 9)));
      writer.write(b).get();
      // Each write announces itself on its partition's channel, heard from any node of a cluster.
      Await.until("both writes' wake-ups heard", Duration.ofSeconds(5), () -> wakeups.count() >= 2);
    }
    List<FeedEntry> got = new ArrayList<>();
    Await.until("entries of both partitions", Duration.ofSeconds(5), () -> {
      got.addAll(c.poll(Duration.ofMillis(500)));
      return got.size() >= 2;
    });
    assertEquals(java.util.Set.of(1L, 9L), java.util.Set.copyOf(uids(got)));
    assertEquals(2, got.stream().map(FeedEntry::stream).distinct().count(), "two partition streams");
    c.close();
  }

  @Test
  void restartedConsumerGetsItsOwnUnacknowledgedEntriesFirst() throws Exception {
    FeedConsumer first = consumer("api-1").build();
    publish(1, 2);
    assertEquals(List.of(1L, 2L), uids(first.poll(Duration.ofSeconds(2)))); // crashes before ack
    FeedConsumer again = consumer("api-1").build();
    assertEquals(List.of(1L, 2L), uids(again.poll(Duration.ofSeconds(2))));
  }

  @Test
  void entriesOfADeadConsumerAreReclaimed() throws Exception {
    FeedConsumer dead = consumer("api-dead").build();
    publish(7, 8);
    assertEquals(2, dead.poll(Duration.ofSeconds(2)).size()); // never acks
    FeedConsumer alive = consumer("api-alive").claimAfter(Duration.ofMillis(200)).build();
    List<FeedEntry> reclaimed = new ArrayList<>();
    Await.until("entries reclaimed from the dead consumer", Duration.ofSeconds(10), () -> {
      reclaimed.addAll(alive.poll(Duration.ofMillis(50)));
      return reclaimed.size() >= 2;
    });
    assertEquals(List.of(7L, 8L), uids(reclaimed));
    reclaimed.forEach(alive::ack);
    assertEquals(0, redis.sync().xpending(layout.streamOf("acct"), "api").getCount());
  }

  @Test
  void aChangeWrittenTwiceIsDeliveredOnce() throws Exception {
    FeedConsumer c = consumer("api-1").build();
    publish(5);
    publish(5); // e.g. re-emitted after a crash: same event id
    List<FeedEntry> got = c.poll(Duration.ofSeconds(2));
    assertEquals(List.of(5L), uids(got));
    got.forEach(c::ack);
    assertEquals(0, redis.sync().xpending(layout.streamOf("acct"), "api").getCount(), "the copy was acked too");
  }

  @Test
  void trimmingKeepsEverythingAGroupHasNotAcknowledged() throws Exception {
    FeedConsumer c = consumer("api-1").build();
    publish(1, 2, 3, 4);
    List<FeedEntry> got = c.poll(Duration.ofSeconds(2));
    c.ack(got.get(0));
    c.ack(got.get(1)); // 3 and 4 delivered but not acknowledged
    publish(5); // not delivered yet
    String stream = layout.streamOf("acct");
    new StreamTrimmer(redis.sync(), layout, Duration.ZERO).trimAll(System.currentTimeMillis() + 1000);
    List<Long> left = redis.sync().xrange(stream, io.lettuce.core.Range.create("-", "+")).stream()
        .map(m -> Json.read(m.getBody().get("event"), com.fasterxml.jackson.databind.JsonNode.class)
            .path("payload").path("uid").asLong()).toList();
    assertEquals(List.of(3L, 4L, 5L), left, "only acknowledged entries were trimmed");
    // Once everything is acknowledged and past retention, the stream can be emptied.
    got.subList(2, 4).forEach(c::ack);
    c.poll(Duration.ofSeconds(1)).forEach(c::ack);
    new StreamTrimmer(redis.sync(), layout, Duration.ZERO).trimAll(System.currentTimeMillis() + 1000);
    assertEquals(0, redis.sync().xlen(stream));
  }

  @Test
  void retentionKeepsRecentEntriesEvenWhenAcknowledged() throws Exception {
    FeedConsumer c = consumer("api-1").build();
    publish(1, 2);
    c.poll(Duration.ofSeconds(2)).forEach(c::ack);
    new StreamTrimmer(redis.sync(), layout, Duration.ofHours(1)).trimAll(System.currentTimeMillis());
    assertEquals(2, redis.sync().xlen(layout.streamOf("acct")));
  }
}
