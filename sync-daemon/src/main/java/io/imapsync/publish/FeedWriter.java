package io.imapsync.publish;

import io.imapsync.metrics.RedisWriteMeters;
import io.imapsync.model.ChangeEvent;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.NestedMultiOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Sends a {@link WriteBatch} through the fenced Lua script: one round trip per batch. Loads the
 * script by its SHA and falls back to EVAL once if Redis lost its script cache (restart, failover).
 */
public final class FeedWriter {
  private static final String SCRIPT = load("write-batch.lua");

  private final RedisClusterAsyncCommands<String, String> redis;
  private final RedisWriteMeters meters;
  private volatile String sha;

  public FeedWriter(RedisClusterAsyncCommands<String, String> redis) {
    this(redis, RedisWriteMeters.NONE);
  }

  public FeedWriter(RedisClusterAsyncCommands<String, String> redis, RedisWriteMeters meters) {
    this.redis = redis;
    this.meters = meters;
  }

  /** Loads the script now so the first batch does not pay for it. */
  public CompletableFuture<Void> preload() {
    return redis.scriptLoad(SCRIPT).toCompletableFuture().thenAccept(loaded -> sha = loaded);
  }

  /** Completes with the stream entry ids of the batch's events; fails with {@link StaleEpochException}. */
  public CompletableFuture<List<String>> write(WriteBatch batch) {
    if (batch.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    String[] keys = batch.keysArray();
    byte[][] args = batch.argsArray();
    long started = System.nanoTime();
    CompletableFuture<List<String>> viaSha = sha == null
        ? CompletableFuture.failedFuture(new RedisNoScriptException("not loaded"))
        : evalsha(sha, keys, args);
    return viaSha.handle((ids, e) -> {
      if (e == null) {
        return CompletableFuture.completedFuture(ids);
      }
      Throwable cause = e instanceof CompletionException ? e.getCause() : e;
      if (cause instanceof RedisNoScriptException) {
        return redis.scriptLoad(SCRIPT).toCompletableFuture().thenCompose(loaded -> {
          sha = loaded;
          return evalsha(loaded, keys, args);
        });
      }
      return CompletableFuture.<List<String>>failedFuture(cause);
    }).thenCompose(f -> f).whenComplete((ids, e) -> {
      if (e == null) {
        meters.written(System.nanoTime() - started, batch.events().size(), messageEvents(batch.events()));
      }
    }).exceptionallyCompose(e -> {
      Throwable cause = e instanceof CompletionException ? e.getCause() : e;
      if (cause != null && cause.getMessage() != null && cause.getMessage().startsWith("STALE_EPOCH")) {
        return CompletableFuture.failedFuture(new StaleEpochException(
            "write for account " + batch.accountId() + " refused: " + cause.getMessage()));
      }
      meters.failed();
      return CompletableFuture.failedFuture(cause);
    });
  }

  /** EVALSHA with byte arguments (see {@link WriteBatch#argsArray()}); replies decoded as strings. */
  private CompletableFuture<List<String>> evalsha(String digest, String[] keys, byte[][] args) {
    CommandArgs<String, String> commandArgs = new CommandArgs<>(StringCodec.UTF8).add(digest).add(keys.length)
        .addKeys(keys);
    for (byte[] a : args) {
      commandArgs.add(a);
    }
    NestedMultiOutput<String, String> output = new NestedMultiOutput<>(StringCodec.UTF8);
    return redis.dispatch(CommandType.EVALSHA, output, commandArgs).toCompletableFuture()
        .thenApply(FeedWriter::strings);
  }

  @SuppressWarnings("unchecked")
  private static List<String> strings(List<Object> reply) {
    return (List<String>) (List<?>) reply;
  }

  private static int messageEvents(List<ChangeEvent> events) {
    int n = 0;
    for (ChangeEvent e : events) {
      if (e.type().startsWith("message.")) {
        n++;
      }
    }
    return n;
  }

  private static String load(String name) {
    try (InputStream in = FeedWriter.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
