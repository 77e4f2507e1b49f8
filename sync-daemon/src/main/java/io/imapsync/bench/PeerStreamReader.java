package io.imapsync.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.model.Json;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's reader of a peer's stream in the full mode: one blocking XREAD at a time, as
 * the daemon's events are read back; each entry's Message-ID stamp against the wall clock the
 * simulator stamps with, handed to the peer's tally. Deletes the stream (the benchmark's own key)
 * when closed.
 */
public final class PeerStreamReader implements AutoCloseable {
  private static final Pattern STAMP = Pattern.compile("^<?d(\\d+)\\.");

  private final RedisConnector connector;
  private final RedisConnection connection;
  private final String stream;
  private final PeerProcess peer;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile String failure;

  private PeerStreamReader(String redisUrl, String stream, PeerProcess peer) {
    this.connector = RedisConnector.create(redisUrl);
    this.connection = connector.connect();
    this.stream = stream;
    this.peer = peer;
    this.thread = Thread.ofPlatform().daemon().name("peer-stream").start(this::readLoop);
  }

  /** Starts reading {@code stream} from its beginning for {@code peer}. */
  public static PeerStreamReader start(String redisUrl, String stream, PeerProcess peer) {
    return new PeerStreamReader(redisUrl, stream, peer);
  }

  /** The first error that stopped reading, or null. */
  public String failure() {
    return failure;
  }

  private void readLoop() {
    String last = "0-0";
    while (running) {
      try {
        List<StreamMessage<String, String>> read = connection.sync().xread(
            XReadArgs.Builder.block(100).count(500), XReadArgs.StreamOffset.from(stream, last));
        for (StreamMessage<String, String> entry : read) {
          Instant now = Instant.now(); // the simulator's stamp clock
          long arrived = now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
          last = entry.getId();
          String messageId = messageId(entry.getBody().get("message"));
          Matcher m = STAMP.matcher(messageId);
          if (m.find()) {
            peer.arrived(messageId, arrived - Long.parseLong(m.group(1)));
          }
        }
      } catch (RuntimeException e) {
        if (running) {
          failure = e.toString();
        }
        return;
      }
    }
  }

  private static String messageId(String json) {
    if (json == null) {
      return "";
    }
    try {
      JsonNode doc = Json.MAPPER.readTree(json);
      return doc.path("message_id").asText();
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
    try {
      connection.sync().del(stream);
    } finally {
      connection.close();
      connector.close();
    }
  }
}
