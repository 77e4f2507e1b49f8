package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.imapsync.demo.LocalRedis;
import io.imapsync.imap.protocol.Condition;
import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapCommandException;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.SaslMechanism;
import io.imapsync.imap.session.Security;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.runtime.SharedResources;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Our session against GreenMail in-process: authentication variants, IDLE push, byte-exact bodies. */
@Tag("integration")
class ImapSessionGreenMailIntegrationTest {
  private static SharedResources resources;
  private GreenMail greenMail;
  private GreenMailUser user;

  @BeforeAll
  static void start() {
    resources = SharedResources.create(2, 1);
  }

  @AfterAll
  static void stop() {
    resources.close();
  }

  @BeforeEach
  void startServer() {
    greenMail = new GreenMail(new ServerSetup(LocalRedis.freePort(), "127.0.0.1", "imap"));
    greenMail.start();
    user = greenMail.setUser("user@example.test", "user", "secret 1");
  }

  @AfterEach
  void stopServer() {
    greenMail.stop();
  }

  private ImapSession connect(SessionListener listener) throws Exception {
    return ImapSession.connect(resources, ImapEndpoint.of("127.0.0.1", greenMail.getImap().getPort(),
        Security.PLAIN_INSECURE), listener).get(10, TimeUnit.SECONDS);
  }

  @Test
  void loginWithQuotedNonAsciiPasswordThenSelect() throws Exception {
    greenMail.setUser("umlaut@example.test", "umlaut", "pässword 1");
    ImapSession s = connect(SessionListener.NONE);
    s.login("umlaut", "pässword 1").get(10, TimeUnit.SECONDS);
    assertTrue(s.hasCapability("IMAP4REV1"), s.capabilities().toString());
    SelectedMailbox inbox = s.select("INBOX").get(10, TimeUnit.SECONDS);
    assertTrue(inbox.uidValidity() > 0);
    assertEquals(0, inbox.exists());
    s.logout().get(10, TimeUnit.SECONDS);
  }

  @Test
  void wrongPasswordIsATaggedNo() throws Exception {
    ImapSession s = connect(SessionListener.NONE);
    ExecutionException e = assertThrows(ExecutionException.class, () -> s.login("user", "wrong").get(10, TimeUnit.SECONDS));
    ImapCommandException no = assertInstanceOf(ImapCommandException.class, e.getCause());
    assertEquals(Condition.NO, no.condition());
    assertEquals("LOGIN", no.command());
    assertTrue(!no.getMessage().contains("wrong"), "the password never appears in errors");
  }

  @Test
  void failedAuthenticateEndsWithTaggedNo() throws Exception {
    ImapSession s = connect(SessionListener.NONE);
    ExecutionException e = assertThrows(ExecutionException.class, () ->
        s.authenticate(new SaslMechanism.XOAuth2("user", "expired-token")).get(10, TimeUnit.SECONDS));
    assertEquals(Condition.NO, assertInstanceOf(ImapCommandException.class, e.getCause()).condition());
  }

  @Test
  void authenticateXoauth2() throws Exception {
    ImapSession s = connect(SessionListener.NONE);
    // GreenMail accepts the user's password as the bearer token.
    s.authenticate(new SaslMechanism.XOAuth2("user", "secret 1")).get(10, TimeUnit.SECONDS);
    assertEquals(0, s.select("INBOX").get(10, TimeUnit.SECONDS).exists());
  }

  /** The same message as an independent client (Angus IMAP, blocking) reads it. */
  private byte[] independentlyFetchedRaw() throws Exception {
    Properties p = new Properties();
    Session mail = Session.getInstance(p);
    try (jakarta.mail.Store store = mail.getStore("imap")) {
      store.connect("127.0.0.1", greenMail.getImap().getPort(), "user", "secret 1");
      jakarta.mail.Folder inbox = store.getFolder("INBOX");
      inbox.open(jakarta.mail.Folder.READ_ONLY);
      java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
      inbox.getMessage(1).writeTo(out);
      inbox.close(false);
      return out.toByteArray();
    }
  }

  @Test
  void idlePushesExistsAndFetchIsByteExact() throws Exception {
    CompletableFuture<ImapResponse.Exists> pushed = new CompletableFuture<>();
    ImapSession s = connect(new SessionListener() {
      @Override
      public void onUntagged(ImapSession session, ImapResponse response) {
        if (response instanceof ImapResponse.Exists e && e.count() > 0) {
          pushed.complete(e);
        }
      }
    });
    s.login("user", "secret 1").get(10, TimeUnit.SECONDS);
    s.select("INBOX").get(10, TimeUnit.SECONDS);
    s.idle().get(10, TimeUnit.SECONDS);
    byte[] raw = ("Message-ID: <x@example.test>\r\nSubject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?=\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "Grüße {5}\r\nline two\r\n").getBytes(StandardCharsets.UTF_8);
    // GreenMail 2.1.13 sends IDLE's "+" before it registers its folder listener (IdleCommand), so a
    // delivery in between is never pushed. If no push came within 2 s, the listener is surely in
    // place by then: deliver once more (the test is about our session surfacing the push).
    user.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)));
    ImapResponse.Exists exists;
    try {
      exists = pushed.get(2, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException missedByGreenMail) {
      user.deliver(new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw)));
      exists = pushed.get(10, TimeUnit.SECONDS);
    }
    assertTrue(exists.count() >= 1);
    List<FetchData> fetched = s.uidFetch("1:1", "(UID FLAGS BODY.PEEK[])", 1).get(10, TimeUnit.SECONDS);
    assertEquals(1, fetched.size());
    assertArrayEquals(independentlyFetchedRaw(), fetched.get(0).wholeMessage(),
        "8-bit literal bytes survive byte for byte (compared with Jakarta Mail's IMAP client)");
    assertTrue(!s.isIdling(), "the fetch ended IDLE first");
  }
}
