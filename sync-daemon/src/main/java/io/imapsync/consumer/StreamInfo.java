package io.imapsync.consumer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** XINFO replies arrive as flat [key, value, key, value...] lists; this reads them as maps. */
final class StreamInfo {
  private StreamInfo() {}

  static Map<String, Object> toMap(Object reply) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (reply instanceof List<?> list) {
      for (int i = 0; i + 1 < list.size(); i += 2) {
        out.put(String.valueOf(list.get(i)), list.get(i + 1));
      }
    } else if (reply instanceof Map<?, ?> map) {
      map.forEach((k, v) -> out.put(String.valueOf(k), v));
    }
    return out;
  }
}
