package io.imapsync.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.imapsync.demo.LocalRedis;
import io.imapsync.model.Json;
import io.imapsync.model.MessageDocument;
import io.imapsync.normalize.MessageNormalizer;
import io.imapsync.normalize.NormalizerOptions;
import io.imapsync.normalize.RawMessage;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FeedWriter;
import io.imapsync.publish.FolderCheckpoint;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Throughput of the write path: normalized messages of many accounts published through
 * {@link AccountFeed} (thread lookups, conversation assembly, one fenced Lua call per batch) into
 * a real Redis, at several batch sizes. Each account's batches go one after another (as its owner
 * sends them); accounts run concurrently. Messages are normalized up front: this measures the
 * Redis side, not MIME parsing.
 *
 * <p>Run: {@code bin/imap-sync bench write-path --json target/write-path-bench.json}
 */
public final class WritePathBenchmark {
  private final int accounts;
  private final int messagesPerAccount;
  private final List<Integer> batchSizes;
  private final PrintStream out;

  public WritePathBenchmark(int accounts, int messagesPerAccount, List<Integer> batchSizes, PrintStream out) {
    this.accounts = accounts;
    this.messagesPerAccount = messagesPerAccount;
    this.batchSizes = batchSizes;
    this.out = out;
  }

  public ObjectNode run(Path jsonReport) throws Exception {
    String external = System.getenv("REDIS_URL");
    ObjectNode report = Json.MAPPER.createObjectNode();
    report.put("benchmark", "write-path");
    report.put("accounts", accounts);
    report.put("messages_per_account", messagesPerAccount);
    report.put("cores", Runtime.getRuntime().availableProcessors());
    report.put("java", Runtime.version().toString());
    ArrayNode rows = report.putArray("results");
    try (SharedResources resources = SharedResources.create();
         LocalRedis local = external == null || external.isBlank() ? LocalRedis.start() : null) {
      String url = local != null ? local.url() : external.strip();
      report.put("redis", local != null ? "embedded redis-server 6.2 on loopback" : "REDIS_URL");
      List<List<MessageDocument>> mail = generate();
      long bytes = mail.stream().flatMap(List::stream).mapToLong(m -> Json.write(m).length()).sum();
      out.printf("write path: %d accounts x %d messages (%.1f MB of message JSON), Redis at %s%n",
          accounts, messagesPerAccount, bytes / 1e6, local != null ? "embedded" : "REDIS_URL");
      out.printf("%10s %12s %12s %12s%n", "batch", "changes/s", "batches/s", "MB/s");
      RedisClient client = RedisClient.create(resources.lettuceResources(), RedisURI.create(url));
      try (StatefulRedisConnection<String, String> c = client.connect()) {
        // Warm-up pass (JIT, script cache), not reported.
        runOnce(c, mail, batchSizes.get(batchSizes.size() - 1), "warmup");
        for (int batch : batchSizes) {
          long t0 = System.nanoTime();
          runOnce(c, mail, batch, "b" + batch);
          double seconds = (System.nanoTime() - t0) / 1e9;
          long changes = (long) accounts * messagesPerAccount;
          double cps = changes / seconds;
          double bps = Math.ceil((double) messagesPerAccount / batch) * accounts / seconds;
          out.printf("%10d %12.0f %12.0f %12.1f%n", batch, cps, bps, bytes / 1e6 / seconds);
          ObjectNode row = rows.addObject();
          row.put("batch_size", batch);
          row.put("changes_per_second", Math.round(cps));
          row.put("batches_per_second", Math.round(bps));
          row.put("mb_per_second", Math.round(bytes / 1e6 / seconds * 10) / 10.0);
          row.put("seconds", Math.round(seconds * 1000) / 1000.0);
        }
        cleanup(c);
      } finally {
        client.shutdown();
      }
    }
    if (jsonReport != null) {
      Files.createDirectories(jsonReport.toAbsolutePath().getParent());
      Files.writeString(jsonReport, report.toPrettyString());
      out.println("report written to " + jsonReport);
    }
    return report;
  }

  private void runOnce(StatefulRedisConnection<String, String> c, List<List<MessageDocument>> mail, int batch,
      String tag) {
    KeyLayout layout = new KeyLayout("bench-write-" + tag, KeyLayout.DEFAULT_PARTITIONS);
    FeedWriter writer = new FeedWriter(c.async());
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int a = 0; a < accounts; a++) {
      String account = "acct" + a;
      AccountFeed feed = new AccountFeed(layout, c.async(), writer, account);
      List<MessageDocument> msgs = mail.get(a);
      long epoch = feed.claimEpoch().join();
      CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
      for (int i = 0; i < msgs.size(); i += batch) {
        List<MessageDocument> slice = msgs.subList(i, Math.min(msgs.size(), i + batch));
        long maxUid = slice.get(slice.size() - 1).uid();
        chain = chain.thenCompose(v -> feed.publishNew(epoch, "INBOX", new FolderCheckpoint(1, maxUid + 1, -1), slice)
            .thenAccept(events -> { }));
      }
      all.add(chain);
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  private List<List<MessageDocument>> generate() {
    List<List<MessageDocument>> out = new ArrayList<>();
    for (int a = 0; a < accounts; a++) {
      String account = "acct" + a;
      MessageNormalizer n = new MessageNormalizer(NormalizerOptions.forAccount(Set.of(account + "@bench.test")));
      List<MessageDocument> list = new ArrayList<>();
      for (int i = 1; i <= messagesPerAccount; i++) {
        byte[] raw = SyntheticMail.message(account, i);
        list.add(n.normalize(new RawMessage(account, "INBOX", 1, i, List.of(), System.currentTimeMillis(),
            raw.length, raw, null, -1)));
      }
      out.add(list);
    }
    return out;
  }

  private static void cleanup(StatefulRedisConnection<String, String> c) {
    for (String pattern : List.of("bench-write-*")) {
      io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
      do {
        io.lettuce.core.KeyScanCursor<String> page =
            c.sync().scan(cursor, io.lettuce.core.ScanArgs.Builder.matches(pattern).limit(1000));
        if (!page.getKeys().isEmpty()) {
          c.sync().del(page.getKeys().toArray(String[]::new));
        }
        cursor = page;
      } while (!cursor.isFinished());
    }
  }
}
