package io.imapsync.consumer;

import java.util.LinkedHashMap;
import java.util.Map;

/** A bounded set of recently seen event ids (oldest forgotten first), for dropping redelivered copies. */
final class RecentIds {
  private final Map<String, Boolean> ids;

  RecentIds(int capacity) {
    this.ids = new LinkedHashMap<>(Math.min(capacity, 1 << 16), 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
        return size() > capacity;
      }
    };
  }

  /** True if the id was not seen yet (and remembers it). */
  boolean add(String id) {
    return id == null || ids.putIfAbsent(id, Boolean.TRUE) == null;
  }

  void remove(String id) {
    if (id != null) {
      ids.remove(id);
    }
  }
}
