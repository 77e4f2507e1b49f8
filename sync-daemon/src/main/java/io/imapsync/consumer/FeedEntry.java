package io.imapsync.consumer;

import com.fasterxml.jackson.databind.JsonNode;

/** One entry read from a partition stream: where it is, and the event JSON it carries. */
public record FeedEntry(String stream, String entryId, String eventId, String type, String accountId, JsonNode event) {
  /** Milliseconds part of the entry id: when Redis appended it, by Redis's clock. */
  public long appendedAtMillis() {
    int dash = entryId.indexOf('-');
    return Long.parseLong(dash < 0 ? entryId : entryId.substring(0, dash));
  }
}
