package io.imapsync.daemon;

import io.imapsync.conversation.ConversationOptions;
import io.imapsync.publish.AccountFeed;
import io.imapsync.publish.FeedWriter;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.HostGuards;
import io.imapsync.sync.HostPolicy;
import io.imapsync.sync.MailboxWatcher;
import io.imapsync.sync.SyncListener;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon: one Redis connection (multiplexed, on the shared event loops) and one watcher per
 * account folder. Owns nothing it did not create: the caller passes the shared resources.
 */
public final class SyncDaemon implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SyncDaemon.class);
  /** Well inside Gmail's ~10 min and middleboxes' 350 s idle cut-offs (FIELD-NOTES). */
  public static final Duration DEFAULT_IDLE_RENEWAL = Duration.ofMinutes(4);

  private final SharedResources resources;
  private final KeyLayout layout;
  private final RedisClient redisClient;
  private final StatefulRedisConnection<String, String> redis;
  private final FeedWriter writer;
  private final SyncListener listener;
  private final Duration idleRenewal;
  private final List<MailboxWatcher> watchers = new ArrayList<>();
  private final HostGuards hostGuards = new HostGuards(HostPolicy.DEFAULTS);

  public SyncDaemon(SharedResources resources, String redisUrl, KeyLayout layout, SyncListener listener,
      Duration idleRenewal) {
    this.resources = resources;
    this.layout = layout;
    this.listener = listener;
    this.idleRenewal = idleRenewal;
    this.redisClient = RedisClient.create(resources.lettuceResources(), RedisURI.create(redisUrl));
    this.redis = redisClient.connect();
    this.writer = new FeedWriter(redis.async());
    writer.preload().orTimeout(10, TimeUnit.SECONDS).join();
    log.info("connected to Redis at {}", RedisUrls.redact(redisUrl));
  }

  public KeyLayout layout() {
    return layout;
  }

  public synchronized MailboxWatcher add(AccountConfig account) {
    AccountFeed feed = new AccountFeed(layout, redis.async(), writer, account.accountId(),
        ConversationOptions.forAccount(account.ownAddresses()));
    MailboxWatcher w = new MailboxWatcher(account, resources, feed, listener, idleRenewal, hostGuards);
    watchers.add(w);
    w.start();
    return w;
  }

  public synchronized List<MailboxWatcher> watchers() {
    return List.copyOf(watchers);
  }

  @Override
  public void close() {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    synchronized (this) {
      for (MailboxWatcher w : watchers) {
        stops.add(w.stop());
      }
    }
    try {
      CompletableFuture.allOf(stops.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("not every watcher stopped cleanly: {}", e.toString());
    }
    redis.close();
    redisClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
