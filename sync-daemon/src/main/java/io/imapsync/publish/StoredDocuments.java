package io.imapsync.publish;

import io.imapsync.model.Json;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** One MGET of stored JSON documents by id, in id order; ids without a document are left out. */
final class StoredDocuments {
  private StoredDocuments() {}

  static <T> CompletableFuture<Map<String, T>> read(RedisClusterAsyncCommands<String, String> redis, List<String> ids,
      Function<String, String> key, Class<T> type) {
    List<String> unique = ids.stream().distinct().toList();
    if (unique.isEmpty()) {
      return CompletableFuture.completedFuture(Map.of());
    }
    return redis.mget(unique.stream().map(key).toArray(String[]::new)).toCompletableFuture().thenApply(values -> {
      Map<String, T> out = new LinkedHashMap<>();
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i).hasValue()) {
          out.put(unique.get(i), Json.read(values.get(i).getValue(), type));
        }
      }
      return out;
    });
  }
}
