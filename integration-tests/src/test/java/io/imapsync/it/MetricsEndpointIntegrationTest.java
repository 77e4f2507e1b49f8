package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.admin.AdminOptions;
import io.imapsync.admin.AdminServer;
import io.imapsync.admin.BearerToken;
import io.imapsync.daemon.DaemonHealth;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.PrometheusText;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.model.Json;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.SyncListener;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The admin endpoint of a running daemon, scraped over HTTP: GreenMail, a real Redis and the
 * daemon's own meters. A delivered message shows in the push latency, the Redis write timer and
 * the byte counters; the session census counts the IDLE connection; health answers as documented.
 */
@Tag("integration")
class MetricsEndpointIntegrationTest {
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final String TOKEN = "metrics-test-token-0123456789";

  private RedisFixture redis;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private SharedResources resources;
  private GreenMail greenMail;
  private GreenMailUser alice;
  private String prefix;

  @BeforeEach
  void start() {
    // A registry of its own per test: the counts below are this test's.
    redis = RedisFixture.start(); // REDIS_URL's, or a redis-server of this test's (a few ms to start)
    resources = SharedResources.create(2, 2);
    greenMail = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    greenMail.start();
    alice = greenMail.setUser("alice@example.test", "alice", "secret-pw");
    prefix = RedisFixture.uniquePrefix("metrics");
  }

  @AfterEach
  void stop() {
    greenMail.stop();
    redis.deleteKeys(prefix);
    redis.close();
    resources.close();
  }

  @Test
  void scrapeShowsTheIdleSessionTheLoginThePushAndTheWrite() throws Exception {
    try (SyncDaemon daemon = new SyncDaemon(resources, redis.url(), new KeyLayout(prefix, 4), SyncListener.NONE,
             Duration.ofMinutes(4));
         AdminServer admin = AdminServer.start(resources, AdminOptions.of("127.0.0.1", 0, null),
             new DaemonHealth(resources, daemon))) {
      URI base = URI.create("http://127.0.0.1:" + admin.address().getPort());
      assertEquals(503, get(base.resolve("/health/ready"), null).statusCode(), "not ready before startup completes");
      daemon.add(new AccountConfig("alice", ImapEndpoint.of("127.0.0.1", greenMail.getImap().getPort(),
          Security.PLAIN_INSECURE), "alice", "secret-pw", "INBOX", Set.of("alice@example.test"), 100));
      daemon.startupComplete();
      Await.until("one session in IDLE on the scrape", DEADLINE,
          () -> scrape(base).value("imapsync_sessions", "state", "idle") == 1.0);

      // GreenMail sends IDLE's "+" before it listens for new mail: a delivery in that window is
      // never pushed. Await its listener; deliver again if no push was measured within a few seconds.
      io.imapsync.it.support.GreenMailIdle.awaitListening(greenMail, alice, DEADLINE);
      deliver("m-1@example.test");
      PrometheusText text;
      try {
        text = Await.until("a push measured", Duration.ofSeconds(4), () -> pushed(base));
      } catch (AssertionError missedByGreenMail) {
        deliver("m-2@example.test");
        text = Await.until("a push measured", DEADLINE, () -> pushed(base));
      }

      assertEquals(1.0, text.value("imapsync_sessions", "state", "idle"), "the one connection idles again");
      assertEquals(1.0, text.value("imapsync_accounts"));
      assertEquals(0.0, text.value("imapsync_sessions", "state", "backing_off"));
      assertTrue(text.value("imapsync_imap_logins_total", "host", "127.0.0.1") >= 1, "login counted for the host");
      assertTrue(text.value("imapsync_imap_connects_total", "host", "127.0.0.1") >= 1, "connect counted");
      assertTrue(Double.isNaN(text.value("imapsync_imap_login_failures_total")), "no login failure series");
      double pushes = text.value("imapsync_push_latency_seconds_count");
      assertTrue(pushes >= 1, "push latency count: " + pushes);
      double pushSeconds = text.value("imapsync_push_latency_seconds_sum") / pushes;
      assertTrue(pushSeconds > 0 && pushSeconds < 10, "a push takes milliseconds here, not " + pushSeconds + " s");
      assertTrue(text.value("imapsync_push_latency_seconds_bucket", "le", "+Inf") >= 1, "histogram buckets exported");
      assertTrue(text.value("imapsync_redis_write_seconds_count") >= 1, "Redis write batches timed");
      assertTrue(text.value("imapsync_redis_batch_events_count") >= 1, "batch sizes recorded");
      assertTrue(text.value("imapsync_redis_batch_messages_sum") >= 1, "the message.created counted in a batch");
      assertTrue(text.value("imapsync_imap_received_bytes_total") > 0, "bytes in");
      assertTrue(text.value("imapsync_imap_sent_bytes_total") > 0, "bytes out");
      assertTrue(text.value("imapsync_sync_lag_seconds_count") >= 1, "sync lag of the new message");
      assertEquals(0.0, text.value("imapsync_errors_total", "kind", "session"));
      assertEquals(0.0, text.value("imapsync_redis_write_failures_total"));
      assertTrue(text.has("imapsync_parse_warnings_total"), "parse warnings by kind, registered up front");

      HttpResponse<String> metrics = get(base.resolve("/metrics"), null);
      assertTrue(metrics.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
      HttpResponse<String> live = get(base.resolve("/health/live"), null);
      assertEquals(200, live.statusCode(), live.body());
      assertEquals(2, Json.MAPPER.readTree(live.body()).path("event_loops").asInt());
      HttpResponse<String> ready = get(base.resolve("/health/ready"), null);
      assertEquals(200, ready.statusCode(), ready.body());
      JsonNode r = Json.MAPPER.readTree(ready.body());
      assertEquals("up", r.path("redis").asText());
      assertEquals(1, r.path("accounts").asInt());
      assertEquals(404, get(base.resolve("/nothing"), null).statusCode());
    }
  }

  /** A Redis of this test's own (never the shared one): stopped mid-test, readiness must fall. */
  @Test
  void readinessFollowsRedisAndLivenessTheEventLoops() throws Exception {
    LocalRedis own = LocalRedis.start();
    boolean stopped = false;
    try (SyncDaemon daemon = new SyncDaemon(resources, own.url(), new KeyLayout(prefix, 4), SyncListener.NONE,
             Duration.ofMinutes(4));
         AdminServer admin = AdminServer.start(resources, AdminOptions.of("127.0.0.1", 0, null),
             new DaemonHealth(resources, daemon))) {
      URI base = URI.create("http://127.0.0.1:" + admin.address().getPort());
      daemon.startupComplete();
      assertEquals(200, get(base.resolve("/health/ready"), null).statusCode());
      own.close();
      stopped = true;
      HttpResponse<String> down = Await.until("readiness 503 with Redis stopped", DEADLINE, () -> {
        HttpResponse<String> r = get(base.resolve("/health/ready"), null);
        return r.statusCode() == 503 ? r : null;
      });
      assertEquals("down", Json.MAPPER.readTree(down.body()).path("redis").asText());
      assertEquals(200, get(base.resolve("/health/live"), null).statusCode(), "alive without Redis");
    } finally {
      if (!stopped) {
        own.close();
      }
    }
  }

  @Test
  void withATokenEveryRequestMustCarryIt() throws Exception {
    try (SyncDaemon daemon = new SyncDaemon(resources, redis.url(), new KeyLayout(prefix, 4), SyncListener.NONE,
             Duration.ofMinutes(4));
         AdminServer admin = AdminServer.start(resources, AdminOptions.of("127.0.0.1", 0, BearerToken.of(TOKEN)),
             new DaemonHealth(resources, daemon))) {
      URI base = URI.create("http://127.0.0.1:" + admin.address().getPort());
      HttpResponse<String> none = get(base.resolve("/metrics"), null);
      assertEquals(401, none.statusCode());
      assertEquals("Bearer realm=\"imap-sync\"", none.headers().firstValue("www-authenticate").orElse(""));
      assertFalse(none.body().contains(TOKEN));
      assertEquals(401, get(base.resolve("/metrics"), "Bearer wrong-token-0123456789").statusCode());
      assertEquals(401, get(base.resolve("/health/live"), null).statusCode());
      HttpResponse<String> ok = get(base.resolve("/metrics"), "Bearer " + TOKEN);
      assertEquals(200, ok.statusCode());
      assertTrue(new PrometheusText(ok.body()).has("imapsync_redis_write_seconds_count"));
      assertEquals(200, get(base.resolve("/health/live"), "Bearer " + TOKEN).statusCode());
    }
  }

  @Test
  void aNonLoopbackAddressWithoutATokenIsRefused() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> AdminOptions.of("0.0.0.0", 0, null));
    assertTrue(e.getMessage().contains("needs a bearer token"), e.getMessage());
  }

  /**
   * A push measured and the new message's batch written. Both are needed: a push is served by the
   * first acknowledged write with events after it, which need not be the message's own batch (a
   * flag reconcile's can come first; one CI run scraped in between).
   */
  private PrometheusText pushed(URI base) {
    PrometheusText t = scrape(base);
    // The batch's meters count at Redis's acknowledgement; its sync lag a moment later, on the
    // account's loop: await all three, or a scrape can fall between them.
    return t.value("imapsync_push_latency_seconds_count") >= 1
        && t.value("imapsync_redis_batch_messages_sum") >= 1
        && t.value("imapsync_sync_lag_seconds_count") >= 1
        && t.value("imapsync_sessions", "state", "idle") == 1.0 ? t : null;
  }

  private PrometheusText scrape(URI base) {
    HttpResponse<String> r = get(base.resolve("/metrics"), null);
    assertEquals(200, r.statusCode(), r.body());
    return new PrometheusText(r.body());
  }

  private HttpResponse<String> get(URI uri, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void deliver(String messageId) throws Exception {
    String raw = "Message-ID: <" + messageId + ">\r\nFrom: Bob <bob@example.test>\r\nTo: alice@example.test\r\n"
        + "Subject: metrics\r\nDate: Tue, 3 Jun 2025 10:00:00 +0000\r\n\r\nhello\r\n";
    alice.deliver(new MimeMessage(Session.getInstance(new Properties()),
        new ByteArrayInputStream(raw.getBytes(StandardCharsets.UTF_8))));
  }
}
