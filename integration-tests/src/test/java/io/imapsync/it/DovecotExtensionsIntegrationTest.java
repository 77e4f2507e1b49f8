package io.imapsync.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapCommandException;
import io.imapsync.imap.session.ImapConnectException;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.SaslMechanism;
import io.imapsync.imap.session.Security;
import io.imapsync.imap.session.SelectOptions;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.it.support.DovecotServer;
import io.imapsync.it.support.DovecotServers;
import io.imapsync.runtime.SharedResources;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The extensions the sync engine relies on, against a real Dovecot: STARTTLS, AUTHENTICATE PLAIN
 * with SASL-IR, ENABLE, CONDSTORE and QRESYNC selects, IDLE pushes of EXPUNGE, VANISHED and
 * FETCH FLAGS made by another session, COMPRESS=DEFLATE, NOTIFY.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DovecotExtensionsIntegrationTest {
  private static final String USER = "bob";
  private static final String PASSWORD = "s3cret pass";
  private static final long WAIT = 10;
  private static SharedResources resources;

  @BeforeAll
  static void start() {
    resources = SharedResources.create(2, 1);
  }

  @AfterAll
  static void stop() {
    resources.close();
  }

  /** Collects pushed responses; {@link #await} waits for one that matches. */
  private static final class Pushes implements SessionListener {
    final List<ImapResponse> seen = new CopyOnWriteArrayList<>();
    final List<CompletableFuture<ImapResponse>> waiters = new CopyOnWriteArrayList<>();
    final List<Predicate<ImapResponse>> tests = new CopyOnWriteArrayList<>();

    @Override
    public synchronized void onUntagged(ImapSession session, ImapResponse response) {
      seen.add(response);
      for (int i = 0; i < waiters.size(); i++) {
        if (tests.get(i).test(response)) {
          waiters.get(i).complete(response);
        }
      }
    }

    synchronized CompletableFuture<ImapResponse> expect(Predicate<ImapResponse> test) {
      CompletableFuture<ImapResponse> f = new CompletableFuture<>();
      for (ImapResponse r : seen) {
        if (test.test(r)) {
          f.complete(r);
          return f;
        }
      }
      waiters.add(f);
      tests.add(test);
      return f;
    }
  }

  private static byte[] message(String id, String body) {
    return ("Message-ID: <" + id + "@example.test>\r\nFrom: a@example.test\r\nSubject: " + id
        + "\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
  }

  private static ImapSession plain(DovecotServer d, SessionListener l) throws Exception {
    ImapSession s = ImapSession.connect(resources, ImapEndpoint.of(d.host(), d.port(), Security.PLAIN_INSECURE), l)
        .get(WAIT, TimeUnit.SECONDS);
    s.login(USER, PASSWORD).get(WAIT, TimeUnit.SECONDS);
    return s;
  }

  @Test
  void startTlsThenAuthenticatePlainWithInitialResponse() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD).tls(true))) {
      ImapEndpoint endpoint = new ImapEndpoint(DovecotServer.TLS_HOST_NAME, d.port(), Security.STARTTLS,
          Duration.ofSeconds(WAIT), null, d.caPemPath().toString());
      ImapSession s = ImapSession.connect(resources, endpoint, SessionListener.NONE).get(WAIT, TimeUnit.SECONDS);
      assertFalse(s.hasCapability("STARTTLS"), "capabilities were refreshed after the handshake");
      assertTrue(s.hasCapability("SASL-IR") && s.hasCapability("AUTH=PLAIN"), s.capabilities().toString());
      s.authenticate(new SaslMechanism.Plain(null, USER, PASSWORD)).get(WAIT, TimeUnit.SECONDS);
      assertTrue(s.hasCapability("QRESYNC"), "post-login capabilities: " + s.capabilities());
      assertEquals(0, s.select("INBOX").get(WAIT, TimeUnit.SECONDS).exists());

      ImapSession wrong = ImapSession.connect(resources, endpoint, SessionListener.NONE).get(WAIT, TimeUnit.SECONDS);
      ExecutionException e = assertThrows(ExecutionException.class, () ->
          wrong.authenticate(new SaslMechanism.Plain(null, USER, "nope")).get(WAIT, TimeUnit.SECONDS));
      assertInstanceOf(ImapCommandException.class, e.getCause());
    }
  }

  @Test
  void startTlsIsRefusedWhenTheServerDoesNotOfferIt() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> ImapSession.connect(resources,
          new ImapEndpoint(d.host(), d.port(), Security.STARTTLS, null, null, null), SessionListener.NONE)
          .get(WAIT, TimeUnit.SECONDS));
      assertInstanceOf(ImapConnectException.class, e.getCause());
    }
  }

  @Test
  void condstoreAndQresyncSelectsReportWhatChanged() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      for (int i = 1; i <= 3; i++) {
        d.deliver(USER, message("m" + i, "body " + i));
      }
      ImapSession s = plain(d, SessionListener.NONE);
      SelectedMailbox first = s.select("INBOX", SelectOptions.condStore()).get(WAIT, TimeUnit.SECONDS);
      assertTrue(first.highestModSeq() > 0, "CONDSTORE select reports HIGHESTMODSEQ");
      assertEquals(3, first.exists());
      // Another session changes a flag and expunges a message while we "were away".
      ImapSession other = plain(d, SessionListener.NONE);
      other.select("INBOX").get(WAIT, TimeUnit.SECONDS);
      other.execute(other.command("UID STORE").sp().raw("2 +FLAGS (\\Flagged)").build()).get(WAIT, TimeUnit.SECONDS);
      other.execute(other.command("UID STORE").sp().raw("3 +FLAGS (\\Deleted)").build()).get(WAIT, TimeUnit.SECONDS);
      other.execute(other.command("EXPUNGE").build()).get(WAIT, TimeUnit.SECONDS);
      other.logout().get(WAIT, TimeUnit.SECONDS);
      s.logout().get(WAIT, TimeUnit.SECONDS);

      ImapSession q = plain(d, SessionListener.NONE);
      // QRESYNC parameters are refused until the server confirmed ENABLE QRESYNC.
      assertThrows(ExecutionException.class, () -> q.select("INBOX",
          SelectOptions.qresync(first.uidValidity(), first.highestModSeq(), "1:3")).get(WAIT, TimeUnit.SECONDS));
      assertTrue(q.enable("QRESYNC").get(WAIT, TimeUnit.SECONDS).contains("QRESYNC"));
      assertTrue(q.isEnabled("QRESYNC"));
      SelectedMailbox resumed = q.select("INBOX",
          SelectOptions.qresync(first.uidValidity(), first.highestModSeq(), "1:3")).get(WAIT, TimeUnit.SECONDS);
      assertTrue(resumed.highestModSeq() > first.highestModSeq());
      ImapResponse.Vanished vanished = resumed.changes().stream().filter(r -> r instanceof ImapResponse.Vanished)
          .map(r -> (ImapResponse.Vanished) r).findFirst().orElseThrow(() -> new AssertionError("no VANISHED: " + resumed.changes()));
      assertTrue(vanished.earlier(), "VANISHED (EARLIER) on a QRESYNC select");
      assertTrue(vanished.uids().contains(3) && vanished.uids().size() == 1, vanished.toString());
      FetchData flagged = resumed.changes().stream().filter(r -> r instanceof ImapResponse.Fetch)
          .map(r -> ((ImapResponse.Fetch) r).data()).filter(f -> f.uid() == 2).findFirst()
          .orElseThrow(() -> new AssertionError("no FETCH for UID 2: " + resumed.changes()));
      assertTrue(flagged.flags().contains("\\Flagged"));
      assertTrue(flagged.modSeq() > first.highestModSeq());
    }
  }

  @Test
  void idleReceivesExpungeFlagChangesAndVanished() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      for (int i = 1; i <= 3; i++) {
        d.deliver(USER, message("i" + i, "body " + i));
      }
      Pushes plainPushes = new Pushes();
      ImapSession watcher = plain(d, plainPushes);
      watcher.select("INBOX").get(WAIT, TimeUnit.SECONDS);
      watcher.idle().get(WAIT, TimeUnit.SECONDS);

      Pushes qresyncPushes = new Pushes();
      ImapSession qwatcher = plain(d, qresyncPushes);
      qwatcher.enable("QRESYNC").get(WAIT, TimeUnit.SECONDS);
      qwatcher.select("INBOX", SelectOptions.condStore()).get(WAIT, TimeUnit.SECONDS);
      qwatcher.idle().get(WAIT, TimeUnit.SECONDS);

      ImapSession actor = plain(d, SessionListener.NONE);
      actor.select("INBOX").get(WAIT, TimeUnit.SECONDS);
      actor.execute(actor.command("UID STORE").sp().raw("1 +FLAGS (\\Seen)").build()).get(WAIT, TimeUnit.SECONDS);
      FetchData flags = ((ImapResponse.Fetch) plainPushes.expect(r -> r instanceof ImapResponse.Fetch f
          && f.data().flags() != null && f.data().flags().contains("\\Seen")).get(WAIT, TimeUnit.SECONDS)).data();
      assertEquals(1, ((ImapResponse.Fetch) plainPushes.seen.stream().filter(r -> r instanceof ImapResponse.Fetch)
          .findFirst().orElseThrow()).sequence());
      assertTrue(flags.flags().contains("\\Seen"));
      FetchData qflags = ((ImapResponse.Fetch) qresyncPushes.expect(r -> r instanceof ImapResponse.Fetch f
          && f.data().flags() != null && f.data().flags().contains("\\Seen")).get(WAIT, TimeUnit.SECONDS)).data();
      assertEquals(1, qflags.uid(), "with QRESYNC, unsolicited FETCH carries the UID");
      assertTrue(qflags.modSeq() > 0, "and the MODSEQ");

      actor.execute(actor.command("UID STORE").sp().raw("2 +FLAGS (\\Deleted)").build()).get(WAIT, TimeUnit.SECONDS);
      actor.execute(actor.command("EXPUNGE").build()).get(WAIT, TimeUnit.SECONDS);
      assertEquals(new ImapResponse.Expunge(2), plainPushes.expect(r -> r instanceof ImapResponse.Expunge)
          .get(WAIT, TimeUnit.SECONDS));
      ImapResponse.Vanished v = (ImapResponse.Vanished) qresyncPushes.expect(r -> r instanceof ImapResponse.Vanished)
          .get(WAIT, TimeUnit.SECONDS);
      assertFalse(v.earlier());
      assertTrue(v.uids().contains(2));
      assertTrue(watcher.isIdling() && qwatcher.isIdling(), "pushes arrived while idling");
    }
  }

  @Test
  void compressDeflateCarriesPushesAndBodies() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD).compression(true))) {
      Pushes pushes = new Pushes();
      ImapSession s = plain(d, pushes);
      assertTrue(s.hasCapability("COMPRESS=DEFLATE"), s.capabilities().toString());
      s.compress().get(WAIT, TimeUnit.SECONDS);
      assertTrue(s.isCompressed());
      s.select("INBOX").get(WAIT, TimeUnit.SECONDS);
      s.idle().get(WAIT, TimeUnit.SECONDS);
      StringBuilder big = new StringBuilder();
      for (int i = 0; i < 2000; i++) {
        big.append("line ").append(i).append(" of a body that compresses well, ü\r\n");
      }
      byte[] raw = message("z1", big.toString());
      d.deliver(USER, raw);
      pushes.expect(r -> r instanceof ImapResponse.Exists e && e.count() == 1).get(WAIT, TimeUnit.SECONDS);
      List<FetchData> f = s.uidFetch("1:*", "(UID BODY.PEEK[])", 1).get(WAIT, TimeUnit.SECONDS);
      assertArrayEquals(raw, f.get(0).wholeMessage());
    }
  }

  @Test
  void notifyIsAcceptedAndPushesOtherMailboxes() throws Exception {
    try (DovecotServer d = DovecotServers.startForTest(DovecotServer.options().user(USER, PASSWORD))) {
      Pushes pushes = new Pushes();
      ImapSession s = plain(d, pushes);
      assertTrue(s.hasCapability("NOTIFY"));
      s.execute(s.command("CREATE").sp().mailbox("Archive").build()).get(WAIT, TimeUnit.SECONDS);
      s.select("INBOX").get(WAIT, TimeUnit.SECONDS);
      s.execute(s.command("NOTIFY").sp().raw("SET (SELECTED (MessageNew (UID) MessageExpunge FlagChange))"
          + " (PERSONAL (MessageNew MessageExpunge MailboxName))").build()).get(WAIT, TimeUnit.SECONDS);
      s.idle().get(WAIT, TimeUnit.SECONDS);
      d.deliver(USER, "Archive", message("n1", "to the archive"));
      ImapResponse.MailboxStatus status = (ImapResponse.MailboxStatus) pushes.expect(
          r -> r instanceof ImapResponse.MailboxStatus m && m.mailbox().equals("Archive")).get(WAIT, TimeUnit.SECONDS);
      assertEquals(1L, status.attributes().get("MESSAGES"));
    }
  }
}
