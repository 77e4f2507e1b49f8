package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapCommandException;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.Security;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.DovecotServers;
import io.imapsync.runtime.SharedResources;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Our Netty IMAP client ({@link ImapSession}) against a real Dovecot 2.3, started per test by
 * {@link DovecotServer}: plain and implicit-TLS connections, LOGIN, SELECT, IDLE push of new mail,
 * and byte-exact UID FETCH. Without Dovecot installed these tests are skipped locally and fail
 * under CI (run .ci/install-test-deps).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DovecotInteropIntegrationTest {
  private static final String USER = "alice";
  private static final String PASSWORD = "correct horse battery staple";
  private static final long WAIT_SECONDS = 10;

  private static SharedResources resources;

  @BeforeAll
  static void startEventLoops() {
    resources = SharedResources.create(1, 1);
  }

  @AfterAll
  static void stopEventLoops() {
    if (resources != null) {
      resources.close();
    }
  }

  @Test
  void plainConnectionLogsInSelectsIdlesAndFetchesByteExact() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      ImapEndpoint endpoint = ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE);
      selectIdleDeliverAndFetch(dovecot, endpoint);
    }
  }

  @Test
  void implicitTlsVerifiesTheTestCaAndHostName() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(
        DovecotServer.options().user(USER, PASSWORD).tls(true))) {
      // "localhost", not 127.0.0.1: the host name is what the certificate is checked against.
      ImapEndpoint endpoint = new ImapEndpoint(DovecotServer.TLS_HOST_NAME, dovecot.tlsPort(), Security.TLS,
          Duration.ofSeconds(WAIT_SECONDS), null, dovecot.caPemPath().toString());
      selectIdleDeliverAndFetch(dovecot, endpoint);
    }
  }

  @Test
  void implicitTlsWithoutTrustingTheTestCaFailsOnTheCertificate() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(
        DovecotServer.options().user(USER, PASSWORD).tls(true))) {
      // Secure by default: no trustedCertificatesPem means the JDK's CAs, which never issued this.
      ImapEndpoint endpoint = new ImapEndpoint(DovecotServer.TLS_HOST_NAME, dovecot.tlsPort(), Security.TLS,
          Duration.ofSeconds(WAIT_SECONDS), null, null);
      RecordingListener listener = new RecordingListener();
      CompletableFuture<ImapSession> connect = ImapSession.connect(resources, endpoint, listener);

      ExecutionException e = assertThrows(ExecutionException.class,
          () -> connect.get(WAIT_SECONDS, TimeUnit.SECONDS));
      assertTrue(isCertificateFailure(e.getCause()),
          () -> "expected a certificate verification failure, got: " + describe(e.getCause()));
    }
  }

  @Test
  void plainPortOffersStartTlsOnlyWhenTlsIsConfigured() throws Exception {
    // Our client cannot do STARTTLS yet; this only proves the harness is ready to test it.
    try (DovecotServer withTls = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD).tls(true));
        DovecotServer withoutTls = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      ImapSession a = connect(ImapEndpoint.of(withTls.host(), withTls.port(), Security.PLAIN_INSECURE));
      ImapSession b = connect(ImapEndpoint.of(withoutTls.host(), withoutTls.port(), Security.PLAIN_INSECURE));
      try {
        assertTrue(a.hasCapability("STARTTLS"), () -> "greeting capabilities: " + a.capabilities());
        assertFalse(b.hasCapability("STARTTLS"), () -> "greeting capabilities: " + b.capabilities());
        // CAPABILITY on demand agrees with the greeting.
        assertTrue(await(a.capability()).contains("STARTTLS"));
      } finally {
        await(a.logout());
        await(b.logout());
      }
    }
  }

  @Test
  void defaultDovecotAdvertisesTheSyncExtensions() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      ImapSession session = connectAndLogin(dovecot);
      try {
        for (String cap : List.of("IMAP4REV1", "IDLE", "CONDSTORE", "QRESYNC", "NOTIFY", "MOVE", "LITERAL+")) {
          assertTrue(session.hasCapability(cap), () -> cap + " missing from " + session.capabilities());
        }
        assertFalse(session.hasCapability("COMPRESS=DEFLATE"), "zlib plugins are off by default");
      } finally {
        await(session.logout());
      }
    }
  }

  @Test
  void imapCapabilityOverrideHidesCondstoreQresyncAndNotify() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD)
        .imapCapability("IMAP4rev1 LITERAL+ IDLE"))) {
      ImapSession session = connectAndLogin(dovecot);
      try {
        assertTrue(session.hasCapability("IDLE"), () -> "after LOGIN: " + session.capabilities());
        for (String hidden : List.of("CONDSTORE", "QRESYNC", "NOTIFY", "MOVE")) {
          assertFalse(session.hasCapability(hidden), () -> hidden + " still in " + session.capabilities());
        }
        // The fallback path still selects and gets no HIGHESTMODSEQ unless CONDSTORE is enabled.
        SelectedMailbox inbox = await(session.select("INBOX"));
        assertEquals(-1, inbox.highestModSeq());
      } finally {
        await(session.logout());
      }
    }
  }

  @Test
  void compressionOptionAdvertisesCompressDeflate() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(
        DovecotServer.options().user(USER, PASSWORD).compression(true))) {
      ImapSession session = connectAndLogin(dovecot);
      try {
        assertTrue(session.hasCapability("COMPRESS=DEFLATE"), () -> "after LOGIN: " + session.capabilities());
      } finally {
        await(session.logout());
      }
    }
  }

  @Test
  void maxUserIpConnectionsRefusesTheSessionOverTheLimit() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(
        DovecotServer.options().user(USER, PASSWORD).maxUserIpConnections(1))) {
      ImapSession first = connectAndLogin(dovecot);
      ImapSession second = connect(ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE));
      try {
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> second.login(USER, PASSWORD).get(WAIT_SECONDS, TimeUnit.SECONDS));
        // Dovecot answers the LOGIN with NO (not a BYE): the client must report it as a failed command.
        ImapCommandException refused = assertInstanceOf(ImapCommandException.class, e.getCause());
        assertTrue(refused.getMessage().contains("Maximum number of connections"), refused::getMessage);
        assertTrue(first.isOpen(), "the first session is unaffected");
        await(first.noop());
      } finally {
        await(first.logout());
        second.close();
      }
    }
  }

  @Test
  void userAddedWhileRunningCanLogIn() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      dovecot.addUser("bob", "bobs-password");
      ImapSession session = connect(ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE));
      try {
        await(session.login("bob", "bobs-password"));
        assertEquals(0, await(session.select("INBOX")).exists());
      } finally {
        await(session.logout());
      }
    }
  }

  // ---- the shared scenario ---------------------------------------------------------------------

  /**
   * LOGIN, SELECT (one message already there, so UIDNEXT must read 2), IDLE, a delivery through
   * Dovecot while idling (the EXISTS must reach the listener during IDLE), leave IDLE, UID FETCH the
   * new message and compare it with what was delivered, byte for byte.
   */
  private static void selectIdleDeliverAndFetch(DovecotServer dovecot, ImapEndpoint endpoint) throws Exception {
    byte[] first = message("first", "Before SELECT.");
    byte[] second = message("second", "Gr\u00fc\u00dfe aus K\u00f6ln: 8-bit bytes must survive unchanged.\r\n"
        + ".\r\nA lone dot above; trailing spaces here:   \r\n\r\nand a blank line before this one.");
    dovecot.deliver(USER, first);

    RecordingListener listener = new RecordingListener();
    ImapSession session = await(ImapSession.connect(resources, endpoint, listener));
    try {
      await(session.login(USER, PASSWORD));
      assertTrue(session.hasCapability("IDLE"), () -> "capabilities: " + session.capabilities());

      SelectedMailbox inbox = await(session.select("INBOX"));
      assertTrue(inbox.uidValidity() > 0, () -> "UIDVALIDITY: " + inbox);
      assertEquals(1, inbox.exists(), () -> "EXISTS: " + inbox);
      assertEquals(2, inbox.uidNext(), () -> "UIDNEXT: " + inbox);
      assertFalse(inbox.readOnly());

      CompletableFuture<ExistsSeen> pushed = listener.existsAtLeast(2);
      await(session.idle());
      assertTrue(session.isIdling());
      dovecot.deliver(USER, second);
      ExistsSeen seen = pushed.get(WAIT_SECONDS, TimeUnit.SECONDS);
      assertEquals(2, seen.count());
      assertTrue(seen.whileIdling(), "EXISTS must arrive during IDLE, not on leaving it");
      await(session.done());

      List<FetchData> fetched = await(session.uidFetch("2:*", "(UID RFC822.SIZE BODY.PEEK[])", 2));
      assertEquals(1, fetched.size(), () -> "fetched: " + fetched);
      FetchData data = fetched.get(0);
      assertEquals(2, data.uid());
      assertEquals(second.length, data.size(), "RFC822.SIZE");
      byte[] body = data.wholeMessage();
      assertNotNull(body, () -> "no BODY[] in " + data);
      assertArrayEquals(second, body, () -> "delivered:\n" + new String(second, StandardCharsets.UTF_8)
          + "\nfetched:\n" + new String(body, StandardCharsets.UTF_8));

      // The same UIDVALIDITY on a second look: the mailbox was not recreated.
      assertEquals(inbox.uidValidity(), await(session.examine("INBOX")).uidValidity());
    } finally {
      await(session.logout());
    }
    assertTrue(listener.closed.get(WAIT_SECONDS, TimeUnit.SECONDS), "onClosed after LOGOUT");
  }

  /** CRLF line ends, 8-bit UTF-8 body: what IMAP FETCH must hand back unchanged. */
  private static byte[] message(String id, String body) {
    String m = "From: Interop Test <sender@example.test>\r\n"
        + "To: alice@example.test\r\n"
        + "Subject: Dovecot interop " + id + "\r\n"
        + "Message-ID: <" + id + ".interop@example.test>\r\n"
        + "Date: Sat, 01 Mar 2025 10:00:00 +0000\r\n"
        + "MIME-Version: 1.0\r\n"
        + "Content-Type: text/plain; charset=UTF-8\r\n"
        + "Content-Transfer-Encoding: 8bit\r\n"
        + "\r\n"
        + body + "\r\n";
    return m.getBytes(StandardCharsets.UTF_8);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static ImapSession connect(ImapEndpoint endpoint) throws Exception {
    return await(ImapSession.connect(resources, endpoint, SessionListener.NONE));
  }

  private static ImapSession connectAndLogin(DovecotServer dovecot) throws Exception {
    ImapSession s = connect(ImapEndpoint.of(dovecot.host(), dovecot.port(), Security.PLAIN_INSECURE));
    await(s.login(USER, PASSWORD));
    return s;
  }

  private static <T> T await(Future<T> f) throws Exception {
    try {
      return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return fail("no answer within " + WAIT_SECONDS + " s", e);
    }
  }

  /** A TLS handshake that failed because the certificate did not verify (not, say, a reset). */
  private static boolean isCertificateFailure(Throwable t) {
    boolean handshake = false;
    boolean certificate = false;
    for (Throwable c = t; c != null; c = c.getCause()) {
      handshake |= c instanceof SSLHandshakeException;
      // JDK trust managers throw CertificateException subclasses (ValidatorException: "PKIX path
      // building failed"); the OpenSSL engine wraps them in an SSLHandshakeException.
      certificate |= c instanceof CertificateException;
    }
    return handshake && certificate;
  }

  private static String describe(Throwable t) {
    List<String> chain = new ArrayList<>();
    for (Throwable c = t; c != null; c = c.getCause()) {
      chain.add(c.getClass().getName() + ": " + c.getMessage());
    }
    return String.join(" <- ", chain);
  }

  record ExistsSeen(long count, boolean whileIdling) {}

  /** Records what the server pushed. Called on the session's event loop; never blocks. */
  static final class RecordingListener implements SessionListener {
    private final List<Waiter> waiters = new ArrayList<>();
    final CompletableFuture<Boolean> closed = new CompletableFuture<>();

    private record Waiter(long atLeast, CompletableFuture<ExistsSeen> future) {}

    /** Completes when an EXISTS of at least {@code n} arrives (after this call). */
    synchronized CompletableFuture<ExistsSeen> existsAtLeast(long n) {
      CompletableFuture<ExistsSeen> f = new CompletableFuture<>();
      waiters.add(new Waiter(n, f));
      return f;
    }

    @Override
    public void onUntagged(ImapSession session, ImapResponse response) {
      if (response instanceof ImapResponse.Exists e) {
        // isIdling() is read on the event loop, where the session keeps its state: exact here.
        ExistsSeen seen = new ExistsSeen(e.count(), session.isIdling());
        List<Waiter> due = new ArrayList<>();
        synchronized (this) {
          waiters.removeIf(w -> w.atLeast <= e.count() && due.add(w));
        }
        due.forEach(w -> w.future.complete(seen));
      }
    }

    @Override
    public void onClosed(ImapSession session, Throwable cause) {
      closed.complete(true);
    }
  }
}
