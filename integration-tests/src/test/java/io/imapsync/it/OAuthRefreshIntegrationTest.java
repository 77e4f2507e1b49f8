package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.imapsync.accounts.AuthKind;
import io.imapsync.daemon.SyncDaemon;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.Security;
import io.imapsync.it.support.Await;
import io.imapsync.it.support.RedisFixture;
import io.imapsync.publish.KeyLayout;
import io.imapsync.runtime.SharedResources;
import io.imapsync.sync.AccountConfig;
import io.imapsync.sync.AccountSync;
import io.imapsync.sync.HttpTokenRefresher;
import io.imapsync.sync.SyncListener;
import io.imapsync.sync.WatcherState;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * OAuth2 accounts whose access token expired: the server (GreenMail, which takes the user's
 * password as the only valid bearer token) rejects it, the daemon asks the refresher (here the one
 * thing we fake: the app's token service, over HTTP on loopback) and logs in with the new token.
 */
@Tag("integration")
class OAuthRefreshIntegrationTest {

  @Test
  void aRejectedTokenIsRefreshedOnceAndTheAccountSyncs() throws Exception {
    GreenMail gm = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    gm.start();
    List<String> asked = new CopyOnWriteArrayList<>();
    HttpServer provider = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    provider.createContext("/token", exchange -> {
      asked.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      byte[] answer = "{\"access_token\":\"fresh-token\",\"expires_in\":3600}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    provider.start();
    String prefix = RedisFixture.uniquePrefix("oauth");
    KeyLayout layout = new KeyLayout(prefix, 2);
    try (RedisFixture redis = RedisFixture.start();
         SharedResources resources = SharedResources.create(1, 1);
         SyncDaemon daemon = new SyncDaemon(resources, redis.url(), layout, SyncListener.NONE, Duration.ofMinutes(4))) {
      GreenMailUser user = gm.setUser("oa@example.test", "oa", "fresh-token");
      user.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(
          "Message-ID: <o1@example.test>\r\nFrom: a@example.test\r\nSubject: o1\r\n\r\nhi\r\n".getBytes(StandardCharsets.UTF_8))));
      daemon.tokenRefresher(new HttpTokenRefresher(URI.create("http://127.0.0.1:" + provider.getAddress().getPort()
          + "/token"), null));
      AccountSync account = daemon.add(new AccountConfig("oa", ImapEndpoint.of("127.0.0.1", gm.getImap().getPort(),
          Security.PLAIN_INSECURE), "oa", "expired-token", "INBOX", Set.of(), 100, AuthKind.OAUTH2));
      Await.until("the message mirrored with the refreshed token", Duration.ofSeconds(20),
          () -> redis.sync().hget(layout.folderUids("oa", "INBOX"), "1") != null && account.state() == WatcherState.IDLE);
      assertEquals(1, asked.size(), "one refresh: " + asked);
      assertTrue(asked.get(0).contains("\"account_id\":\"oa\""), asked.get(0));
      assertFalse(asked.get(0).contains("expired-token"), "the rejected token is not sent anywhere");
      redis.deleteKeys(prefix);
    } finally {
      provider.stop(0);
      gm.stop();
    }
  }

  @Test
  void aRefreshEndpointMustBeHttpsOffLoopback() {
    assertThrows(IllegalArgumentException.class,
        () -> new HttpTokenRefresher(URI.create("http://tokens.example.com/refresh"), null));
  }
}
