package io.imapsync.publish;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.model.ChangeEvent;
import io.imapsync.model.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The writes of one account's batch, in order, as the manifest that write-batch.lua executes.
 * Built off the event loop; sent in one EVALSHA.
 */
public final class WriteBatch {
  private final KeyLayout layout;
  private final String accountId;
  private final long epoch;
  private final List<String> keys = new ArrayList<>();
  private final Map<String, Integer> keyIndex = new HashMap<>();
  private final List<byte[]> documents = new ArrayList<>();
  private final ArrayNode ops = JsonNodeFactory.instance.arrayNode();
  private final List<ChangeEvent> events = new ArrayList<>();

  public WriteBatch(KeyLayout layout, String accountId, long epoch) {
    this.layout = layout;
    this.accountId = accountId;
    this.epoch = epoch;
    keys.add(layout.epoch(accountId));
    keys.add(layout.streamOf(accountId));
    keys.add(layout.wakeChannel(layout.partition(accountId)));
  }

  public String accountId() {
    return accountId;
  }

  public long epoch() {
    return epoch;
  }

  private int key(String key) {
    return keyIndex.computeIfAbsent(key, k -> {
      keys.add(k);
      return keys.size(); // Lua is 1-based
    });
  }

  private int document(byte[] json) {
    documents.add(json);
    return documents.size() + 2; // ARGV[1] epoch, ARGV[2] manifest
  }

  /** Sets a key to a JSON document, given as UTF-8 bytes ({@link Json#bytes}). */
  public WriteBatch set(String key, byte[] json) {
    ObjectNode op = ops.addObject();
    op.put("o", "set").put("k", key(key)).put("v", document(json));
    return this;
  }

  public WriteBatch set(String key, String json) {
    return set(key, json.getBytes(StandardCharsets.UTF_8));
  }

  public WriteBatch hset(String key, String field, String value) {
    ObjectNode op = ops.addObject();
    op.put("o", "hset").put("k", key(key)).put("f", field).put("v", value);
    return this;
  }

  public WriteBatch hdel(String key, String field) {
    ObjectNode op = ops.addObject();
    op.put("o", "hdel").put("k", key(key)).put("f", field);
    return this;
  }

  /** Deletes a key (an absorbed conversation after a merge). */
  public WriteBatch del(String key) {
    ObjectNode op = ops.addObject();
    op.put("o", "del").put("k", key(key));
    return this;
  }

  /**
   * Sets {@code field} only if absent; if it was already set, the next {@code following}
   * operations are skipped. Makes a message's writes idempotent on its folder UID.
   */
  public WriteBatch once(String key, String field, String value, int following) {
    ObjectNode op = ops.addObject();
    op.put("o", "once").put("k", key(key)).put("f", field).put("v", value).put("n", Integer.toString(following));
    return this;
  }

  public WriteBatch zadd(String key, long score, String member) {
    ObjectNode op = ops.addObject();
    op.put("o", "zadd").put("k", key(key)).put("s", Long.toString(score)).put("m", member);
    return this;
  }

  /** Removes a member from a sorted set (an absorbed conversation from the inbox listing). */
  public WriteBatch zrem(String key, String member) {
    ObjectNode op = ops.addObject();
    op.put("o", "zrem").put("k", key(key)).put("m", member);
    return this;
  }

  public WriteBatch event(ChangeEvent event) {
    ObjectNode op = ops.addObject();
    op.put("o", "xadd").put("id", event.id()).put("t", event.type()).put("a", event.accountId())
        .put("v", document(Json.bytes(event)));
    events.add(event);
    return this;
  }

  public boolean isEmpty() {
    return ops.isEmpty();
  }

  public List<ChangeEvent> events() {
    return events;
  }

  String[] keysArray() {
    return keys.toArray(String[]::new);
  }

  /**
   * ARGV as bytes: the documents are large and often not Latin-1, and Lettuce would encode a
   * String argument character by character; bytes are copied in one go.
   */
  byte[][] argsArray() {
    byte[][] args = new byte[documents.size() + 2][];
    args[0] = Long.toString(epoch).getBytes(StandardCharsets.US_ASCII);
    args[1] = Json.bytes(ops);
    for (int i = 0; i < documents.size(); i++) {
      args[i + 2] = documents.get(i);
    }
    return args;
  }

  public KeyLayout layout() {
    return layout;
  }
}
