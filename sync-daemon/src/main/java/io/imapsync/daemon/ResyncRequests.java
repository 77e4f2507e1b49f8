package io.imapsync.daemon;

import io.imapsync.publish.KeyLayout;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.MailboxWatcher;
import io.imapsync.model.ChangeEvent;
import io.imapsync.sync.ResyncReport;
import io.imapsync.consumer.StreamReads;
import io.imapsync.redis.RedisConnection;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves support's resync requests ({@code syncctl resync}) for the accounts this daemon runs:
 * reads every partition's control stream from "now" on, and for a request about one of its
 * accounts runs the resync and reports progress and outcome in the request's status hash
 * ({@link KeyLayout#resyncStatus}). Requests about accounts it does not run are left to the
 * daemon that does. Blocking reads, on a thread of its own.
 */
public final class ResyncRequests implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResyncRequests.class);
  /** Status hashes are kept this long for support to read, then expire. */
  static final Duration STATUS_TTL = Duration.ofDays(7);

  private final SyncDaemon daemon;
  private final KeyLayout layout;
  /** On a Redis Cluster the control streams are polled (a request waits at most this long). */
  static final Duration CLUSTER_POLL = Duration.ofMillis(250);

  private final RedisConnection reader;
  private final RedisConnection writer;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  public ResyncRequests(SyncDaemon daemon) {
    this.daemon = daemon;
    this.layout = daemon.layout();
    this.reader = daemon.redisConnector().connect();
    this.writer = daemon.redisConnector().connect();
    this.thread = Thread.ofPlatform().name("imap-sync-control").daemon().start(this::loop);
  }

  private void loop() {
    RedisClusterCommands<String, String> r = reader.sync();
    StreamReads reads = new StreamReads(reader, null, CLUSTER_POLL);
    Map<String, String> offsets = new LinkedHashMap<>();
    for (int p = 0; p < layout.partitions(); p++) {
      String key = layout.control(p);
      List<StreamMessage<String, String>> last = r.xrevrange(key, io.lettuce.core.Range.create("-", "+"),
          io.lettuce.core.Limit.from(1));
      offsets.put(key, last.isEmpty() ? "0-0" : last.get(0).getId());
    }
    while (running.get()) {
      try {
        for (StreamMessage<String, String> m : reads.read(offsets, 100, Duration.ofMillis(500))) {
          offsets.put(m.getStream(), m.getId());
          handle(m.getBody());
        }
      } catch (RuntimeException e) {
        if (running.get()) {
          log.warn("reading resync requests failed: {}", e.toString());
        }
      }
    }
  }

  private void handle(Map<String, String> request) {
    String account = request.get("account");
    String id = request.get("request");
    String mailbox = request.getOrDefault("mailbox", "");
    boolean full = Boolean.parseBoolean(request.getOrDefault("full", "false"));
    AccountSync owner = null;
    for (AccountSync a : daemon.accounts()) {
      if (a.accountId().equals(account)) {
        owner = a;
      }
    }
    if (owner == null) {
      return; // not ours: the owning daemon answers
    }
    List<String> targets = mailbox.isEmpty() ? owner.folders()
        : owner.folders().contains(mailbox) ? List.of(mailbox) : List.of();
    String status = layout.resyncStatus(account, id);
    RedisClusterCommands<String, String> w = writer.sync();
    if (targets.isEmpty()) {
      w.hset(status, Map.of("status", "failed", "error", "folder " + mailbox + " is not watched for " + account
          + " (watched: " + owner.folders() + ")", "finished_at", Long.toString(System.currentTimeMillis())));
      w.expire(status, STATUS_TTL);
      return;
    }
    w.hset(status, Map.of("status", "running", "started_at", Long.toString(System.currentTimeMillis()),
        "folders", Integer.toString(targets.size())));
    w.expire(status, STATUS_TTL);
    long[] totals = new long[3];
    StringBuilder errors = new StringBuilder();
    for (String folder : targets) {
      long[] before = totals.clone();
      MailboxWatcher target = owner.watcherOf(folder);
      try {
        if (target == null) {
          throw new IllegalStateException("no connection mirrors it now");
        }
        ResyncReport r = target.resync(folder, full, counts -> writer.async().hset(status, Map.of(
            "current_folder", folder,
            "added", Long.toString(before[0] + counts[0]),
            "updated", Long.toString(before[1] + counts[1]),
            "removed", Long.toString(before[2] + counts[2])))).join();
        totals[0] += r.added();
        totals[1] += r.updated();
        totals[2] += r.removed();
      } catch (RuntimeException e) {
        Throwable c = e.getCause() != null ? e.getCause() : e;
        errors.append(folder).append(": ").append(c.getMessage()).append("; ");
      }
    }
    // Messages the resync found expunged wait on the gone list until every folder was checked
    // (a move is not a deletion): count them once decided.
    try {
      // Two sweeps: a deletion is announced once two full checks of the folders missed it.
      for (int round = 0; round < 2; round++) {
        for (ChangeEvent e : owner.sweep().get(2 * 30, java.util.concurrent.TimeUnit.SECONDS)) {
          if (e.type().equals(ChangeEvent.MESSAGE_DELETED)) {
            totals[2]++;
          }
        }
      }
    } catch (Exception e) {
      errors.append("sweep: ").append(e.toString()).append("; ");
    }
    Map<String, String> end = new LinkedHashMap<>();
    end.put("status", errors.isEmpty() ? "done" : "failed");
    end.put("added", Long.toString(totals[0]));
    end.put("updated", Long.toString(totals[1]));
    end.put("removed", Long.toString(totals[2]));
    end.put("finished_at", Long.toString(System.currentTimeMillis()));
    if (!errors.isEmpty()) {
      end.put("error", errors.toString());
    }
    w.hset(status, end);
    log.info("resync {} of {} {}: {}", id, account, mailbox.isEmpty() ? "(all folders)" : mailbox, end);
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    reader.close();
    writer.close();
  }
}
