package io.imapsync.coordinator.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imapsync.coordinator.assignment.SyncNode;
import java.util.List;

/** JSON of the small records the fleet keeps in Redis. */
final class ClusterJson {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final TypeReference<List<SyncNode>> NODES = new TypeReference<>() {};

  private ClusterJson() {}

  static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage());
    }
  }

  static List<SyncNode> nodes(String json) {
    try {
      return json == null ? List.of() : MAPPER.readValue(json, NODES);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("unreadable node list: " + e.getOriginalMessage());
    }
  }
}
