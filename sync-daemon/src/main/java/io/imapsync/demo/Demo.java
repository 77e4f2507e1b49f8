package io.imapsync.demo;

import ch.qos.logback.classic.Level;
import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.consumer.FeedEntry;
import io.imapsync.consumer.StreamTail;
import io.imapsync.daemon.RedisUrls;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.model.ChangeEvent;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import io.imapsync.redis.RedisConnection;
import io.imapsync.redis.RedisConnector;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.LoggerFactory;

/**
 * {@code bin/imap-sync demo}: the whole product on embedded defaults. An embedded Redis (or the
 * one in REDIS_URL), an in-process GreenMail with three demo accounts, and the daemon watching
 * their inboxes in IDLE; a reply chain is delivered and every change is shown as it is read back
 * from the Redis stream, with the conversation it produced.
 */
public final class Demo {
  private static final List<String> ACCOUNTS = List.of("alice", "bob", "carol");
  private static final String PASSWORD = "demo-password";

  private final PrintStream out;
  private final boolean fullJson;
  private final int maxDeliveries;
  private final Duration pause;
  private final AtomicBoolean interrupted = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
  private final Map<String, Integer> eventCounts = Collections.synchronizedMap(new TreeMap<>());
  private final Map<String, WatcherState> states = new ConcurrentHashMap<>();

  public Demo(PrintStream out, boolean fullJson, int maxDeliveries, Duration pause) {
    this.out = out;
    this.fullJson = fullJson;
    this.maxDeliveries = maxDeliveries;
    this.pause = pause;
  }

  /** Asks a running demo to finish early (Ctrl-C); it still prints its summary and cleans up. */
  public void interrupt() {
    interrupted.set(true);
    signal();
  }

  public int run(boolean verbose) throws Exception {
    if (!verbose) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    }
    String externalRedis = System.getenv("REDIS_URL");
    boolean external = externalRedis != null && !externalRedis.isBlank();
    String runId = Long.toString(System.currentTimeMillis(), 36);
    KeyLayout layout = new KeyLayout(external ? "imap-sync-demo-" + runId : KeyLayout.DEFAULT_PREFIX,
        KeyLayout.DEFAULT_PARTITIONS);

    out.println("imap-sync demo");
    try (SharedResources resources = SharedResources.create();
         LocalRedis localRedis = external ? null : LocalRedis.start()) {
      String redisUrl = external ? externalRedis.strip() : localRedis.url();
      out.printf("  redis     %s%s%n", RedisUrls.redact(redisUrl),
          external ? " (REDIS_URL; keys under " + layout.prefix() + ":*)" : " (embedded redis-server)");
      GreenMail greenMail = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
      greenMail.start();
      try {
        Map<String, GreenMailUser> users = new TreeMap<>();
        for (String a : ACCOUNTS) {
          users.put(a, greenMail.setUser(a + "@" + DemoMail.DOMAIN, a, PASSWORD));
        }
        int imapPort = greenMail.getImap().getPort();
        out.printf("  imap      127.0.0.1:%d (in-process GreenMail, accounts %s)%n", imapPort, String.join(", ", ACCOUNTS));
        SyncListener listener = new SyncListener() {
          @Override
          public void onStateChange(String accountId, WatcherState state, String detail) {
            states.put(accountId, state);
            signal();
          }
        };
        try (SyncDaemon daemon = new SyncDaemon(resources, redisUrl, layout, listener, SyncDaemon.DEFAULT_IDLE_RENEWAL)) {
          for (String a : ACCOUNTS) {
            daemon.add(new AccountConfig(a, new ImapEndpoint("127.0.0.1", imapPort, Security.PLAIN_INSECURE,
                null, null, null), a, PASSWORD, "INBOX", Set.of(a + "@" + DemoMail.DOMAIN), 100));
          }
          if (!await(() -> ACCOUNTS.stream().allMatch(a -> states.get(a) == WatcherState.IDLE), Duration.ofSeconds(30))) {
            out.println("error: the daemon did not reach IDLE on every demo inbox within 30 s: " + states);
            return 1;
          }
          out.printf("  daemon    %d inboxes in IDLE over Netty (%s), events to %d partition streams%n%n",
              ACCOUNTS.size(), resources.epoll() ? "epoll" : "nio", layout.partitions());
          return deliverAndShow(layout, redisUrl, resources, users);
        }
      } finally {
        greenMail.stop();
      }
    }
  }

  private int deliverAndShow(KeyLayout layout, String redisUrl, SharedResources resources,
      Map<String, GreenMailUser> users) throws Exception {
    try (RedisConnector client = RedisConnector.create(resources.lettuceResources(), redisUrl);
         RedisConnection tailConn = client.connect();
         RedisConnection readConn = client.connect()) {
      StreamTail tail = new StreamTail(tailConn, layout, false);
      AtomicBoolean reading = new AtomicBoolean(true);
      CountDownLatch readerDone = new CountDownLatch(1);
      Thread reader = Thread.ofPlatform().name("demo-feed-reader").daemon().start(() -> {
        try {
          while (reading.get()) {
            for (FeedEntry e : tail.poll(Duration.ofMillis(200))) {
              show(e, readConn);
            }
          }
        } catch (RuntimeException e) {
          if (reading.get()) {
            out.println("feed reader stopped: " + e.getMessage());
          }
        } finally {
          readerDone.countDown();
        }
      });

      List<DemoMail.Delivery> chain = DemoMail.replyChain();
      int delivered = 0;
      int expected = 0;
      Session mailSession = Session.getInstance(new Properties());
      long started = System.nanoTime();
      for (DemoMail.Delivery d : chain) {
        if (interrupted.get() || delivered >= maxDeliveries) {
          break;
        }
        for (String rcpt : d.recipients()) {
          MimeMessage mime = new MimeMessage(mailSession, new ByteArrayInputStream(d.raw()));
          deliveredAt.put(rcpt + "|" + d.messageId(), System.currentTimeMillis());
          users.get(rcpt).deliver(mime);
          expected++;
        }
        delivered++;
        String key = d.messageId();
        boolean arrived = await(() -> d.recipients().stream().allMatch(r -> seen.contains(r + "|" + key)),
            Duration.ofSeconds(15));
        if (!arrived && !interrupted.get()) {
          out.println("error: no message.created event within 15 s for " + d.subject());
        }
        if (!interrupted.get()) {
          await(() -> false, pause); // pacing, so a person can follow along
        }
      }
      // conversation.updated for the last delivery may still be in flight
      int expectedFinal = expected;
      await(() -> latencies.size() >= expectedFinal, Duration.ofSeconds(5));
      reading.set(false);
      readerDone.await(2, TimeUnit.SECONDS);
      reader.interrupt();
      double seconds = (System.nanoTime() - started) / 1e9;
      long conversations = 0;
      for (String a : ACCOUNTS) {
        conversations += readConn.sync().zcard(layout.conversationIndex(a));
      }
      printSummary(delivered, expected, conversations, seconds);
      return latencies.size() >= expected ? 0 : 1;
    }
  }

  private void show(FeedEntry e, RedisConnection readConn) {
    eventCounts.merge(e.type(), 1, Integer::sum);
    JsonNode p = e.event().path("payload");
    if (ChangeEvent.MESSAGE_CREATED.equals(e.type())) {
      String key = e.accountId() + "|" + p.path("message_id").asText();
      Long at = deliveredAt.get(key);
      long latency = at == null ? -1 : Math.max(0, e.appendedAtMillis() - at);
      if (latency >= 0) {
        latencies.add(latency);
      }
      JsonNode from = p.path("from").path(0);
      out.printf("[%5s] %-6s message.created       uid %-3d \"%s\" from %s -> %s%n",
          latency >= 0 ? latency + "ms" : "", e.accountId(), p.path("uid").asLong(),
          p.path("subject").asText(), from.path("name").isNull() ? from.path("address").asText()
              : from.path("name").asText(), shortId(p.path("conversation_id").asText()));
      seen.add(key);
      signal();
    } else if (ChangeEvent.CONVERSATION_UPDATED.equals(e.type())) {
      List<String> names = new ArrayList<>();
      for (JsonNode part : p.path("participants")) {
        String n = part.path("name").isNull() ? part.path("address").asText() : part.path("name").asText();
        if (!names.contains(n)) {
          names.add(n);
        }
      }
      int n = p.path("num_messages").asInt();
      out.printf("        %-6s conversation.updated  %s v%d: %d message%s%s%s, %s%n", e.accountId(),
          shortId(p.path("id").asText()), p.path("version").asLong(), n, n == 1 ? "" : "s",
          p.path("unread").asBoolean() ? ", unread" : "", p.path("has_attachments").asBoolean() ? ", attachment" : "",
          String.join(", ", names));
      out.printf("               \"%s\"%n", p.path("summary").asText());
      if (fullJson) {
        out.println(p.toPrettyString().indent(15).stripTrailing());
      }
    } else if (ChangeEvent.ACCOUNT_STATE.equals(e.type())) {
      out.printf("        %-6s account.state         %s%s%n", e.accountId(), p.path("state").asText(),
          p.path("detail").isNull() ? "" : " (" + p.path("detail").asText() + ")");
    } else {
      out.printf("        %-6s %s%n", e.accountId(), e.type());
    }
  }

  private void printSummary(int delivered, int expected, long conversations, double seconds) {
    List<Long> sorted;
    synchronized (latencies) {
      sorted = new ArrayList<>(latencies);
    }
    Collections.sort(sorted);
    out.println();
    out.println("summary");
    out.printf("  messages delivered      %d (%d inbox deliveries) in %.1f s%n", delivered, expected, seconds);
    out.printf("  events read back        %d (%s)%n", eventCounts.values().stream().mapToInt(Integer::intValue).sum(),
        eventCounts.entrySet().stream().map(x -> x.getValue() + " " + x.getKey()).reduce((a, b) -> a + ", " + b).orElse("none"));
    out.printf("  conversations           %d across %d accounts%n", conversations, ACCOUNTS.size());
    if (sorted.isEmpty()) {
      out.println("  push latency            no samples");
    } else {
      out.printf("  push latency            p50 %d ms, p99 %d ms, max %d ms (%d samples; delivery to event in Redis)%n",
          percentile(sorted, 50), percentile(sorted, 99), sorted.get(sorted.size() - 1), sorted.size());
    }
    if (sorted.size() < expected) {
      out.printf("  MISSING                 %d deliveries produced no event%n", expected - sorted.size());
    }
  }

  static long percentile(List<Long> sorted, int p) {
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }

  private static String shortId(String id) {
    return id.length() > 10 ? id.substring(0, 10) : id;
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the condition holds, the deadline passes, or the demo is interrupted. */
  private boolean await(java.util.function.BooleanSupplier condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || interrupted.get()) {
          return condition.getAsBoolean();
        }
        changed.awaitNanos(left);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }
}
