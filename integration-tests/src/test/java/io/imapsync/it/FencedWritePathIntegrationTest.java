package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imapsync.it.support.RedisFixture;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.EventPosition;
import io.imapsync.model.Json;
import io.imapsync.publish.EventIds;
import io.imapsync.publish.FeedWriter;
import io.imapsync.publish.KeyLayout;
import io.imapsync.publish.StaleEpochException;
import io.imapsync.publish.WriteBatch;
import io.imapsync.redis.RedisConnection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The write path refuses a writer whose owner epoch is not the account's current one, and then writes nothing. */
@Tag("integration")
class FencedWritePathIntegrationTest {
  private RedisFixture redis;
  private RedisConnection connection;
  private String prefix;
  private KeyLayout layout;

  @BeforeEach
  void setUp() {
    redis = RedisFixture.start();
    connection = redis.connect();
    prefix = RedisFixture.uniquePrefix("fence");
    layout = new KeyLayout(prefix, 2);
  }

  @AfterEach
  void tearDown() {
    redis.deleteKeys(prefix);
    connection.close();
    redis.close();
  }

  @Test
  void staleWriterIsRefusedAndWritesNothing() throws Exception {
    FeedWriter writer = new FeedWriter(connection.async());
    long oldEpoch = redis.sync().incr(layout.epoch("acct"));
    List<String> ids = writer.write(batch(oldEpoch, "m1")).get();
    assertEquals(1, ids.size());
    assertEquals("{\"n\":\"m1\"}", redis.sync().get(layout.message("acct", "m1")));

    long newEpoch = redis.sync().incr(layout.epoch("acct")); // another owner takes over
    ExecutionException refused = assertThrows(ExecutionException.class, () -> writer.write(batch(oldEpoch, "m2")).get());
    assertInstanceOf(StaleEpochException.class, refused.getCause());
    assertNull(redis.sync().get(layout.message("acct", "m2")), "nothing of the refused batch is written");
    assertEquals(1, redis.sync().xlen(layout.streamOf("acct")), "no event from the refused batch");
    assertEquals("1", redis.sync().hget(layout.folderState("acct", "INBOX"), "uidnext"), "checkpoint untouched");

    writer.write(batch(newEpoch, "m3")).get();
    assertEquals(2, redis.sync().xlen(layout.streamOf("acct")));
    assertEquals("3", redis.sync().hget(layout.folderState("acct", "INBOX"), "uidnext"));
  }

  @Test
  void scriptIsReloadedAfterRedisForgetsIt() throws Exception {
    FeedWriter writer = new FeedWriter(connection.async());
    long epoch = redis.sync().incr(layout.epoch("acct"));
    writer.write(batch(epoch, "m1")).get();
    redis.sync().scriptFlush(); // what a Redis restart or failover does to the script cache
    writer.write(batch(epoch, "m2")).get();
    assertEquals(2, redis.sync().xlen(layout.streamOf("acct")));
  }

  private WriteBatch batch(long epoch, String id) {
    WriteBatch b = new WriteBatch(layout, "acct", epoch);
    b.set(layout.message("acct", id), "{\"n\":\"" + id + "\"}");
    b.hset(layout.folderState("acct", "INBOX"), "uidnext", id.substring(1));
    b.event(new ChangeEvent(EventIds.of("message.created", "acct", id), "message.created", "acct", 1L,
        new EventPosition("INBOX", 1, 3, -1), epoch, Json.MAPPER.createObjectNode().put("id", id)));
    return b;
  }
}
