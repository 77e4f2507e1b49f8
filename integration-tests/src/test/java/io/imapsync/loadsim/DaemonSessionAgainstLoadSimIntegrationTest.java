package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.session.ImapEndpoint;
import io.imapsync.imap.session.ImapSession;
import io.imapsync.imap.session.Security;
import io.imapsync.imap.session.SelectOptions;
import io.imapsync.imap.session.SelectedMailbox;
import io.imapsync.imap.session.SessionListener;
import io.imapsync.runtime.SharedResources;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The daemon's own IMAP session against the simulator, the pairing every benchmark runs: the
 * commands the sync path sends (LIST with SPECIAL-USE, SELECT with CONDSTORE, UID FETCH of bodies,
 * CHANGEDSINCE, STATUS, IDLE) are answered in a form its parser takes.
 */
@Tag("integration")
@Timeout(60)
class DaemonSessionAgainstLoadSimIntegrationTest {
  private static SharedResources resources;
  private static LoadSimulator sim;

  @BeforeAll
  static void start() throws Exception {
    resources = SharedResources.create(1, 1);
    sim = LoadSimulator.start(LoadSimConfig.builder().mailboxes(10).port(0).ioThreads(1).build());
  }

  @AfterAll
  static void stop() {
    if (sim != null) {
      sim.close();
    }
    if (resources != null) {
      resources.close();
    }
  }

  @Test
  void theSyncPathCommandsParseAndIdlePushes() throws Exception {
    String user = "user00001";
    CompletableFuture<ImapResponse.Exists> pushed = new CompletableFuture<>();
    CompletableFuture<ImapResponse.Fetch> flagPush = new CompletableFuture<>();
    ImapSession s = ImapSession.connect(resources, ImapEndpoint.of("127.0.0.1", sim.port(), Security.PLAIN_INSECURE),
        new SessionListener() {
          @Override
          public void onUntagged(ImapSession session, ImapResponse response) {
            if (response instanceof ImapResponse.Exists e && e.count() == 21) {
              pushed.complete(e);
            } else if (response instanceof ImapResponse.Fetch f && f.data().uid() == 4 && f.data().modSeq() > 20) {
              flagPush.complete(f);
            }
          }
        }).get(10, TimeUnit.SECONDS);
    s.login(user, "pw").get(10, TimeUnit.SECONDS);
    assertTrue(s.hasCapability("CONDSTORE") && s.hasCapability("IDLE") && s.hasCapability("SPECIAL-USE"));
    s.enable("CONDSTORE").get(10, TimeUnit.SECONDS);

    List<ImapResponse.ListEntry> folders = s.list("*").get(10, TimeUnit.SECONDS);
    assertEquals(List.of("INBOX", "Sent", "Archive", "Trash"), folders.stream().map(ImapResponse.ListEntry::mailbox).toList());
    assertTrue(folders.get(1).attributes().stream().anyMatch(a -> a.equalsIgnoreCase("\\Sent")));

    ImapResponse.MailboxStatus status = s.status("Archive", "MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ").get(10, TimeUnit.SECONDS);
    assertEquals(5L, status.attributes().get("MESSAGES"));

    SelectedMailbox inbox = s.select("INBOX", SelectOptions.condStore()).get(10, TimeUnit.SECONDS);
    FolderStatus truth = sim.status(user, "INBOX");
    assertEquals(truth.uidValidity(), inbox.uidValidity());
    assertEquals(truth.highestModSeq(), inbox.highestModSeq());
    assertEquals(20, inbox.exists());

    List<FetchData> bodies = s.uidFetch("1:*", "(UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])", 1)
        .get(10, TimeUnit.SECONDS);
    assertEquals(20, bodies.size());
    for (FetchData f : bodies) {
      byte[] raw = sim.messageBytes(user, "INBOX", f.uid()).orElseThrow();
      assertArrayEquals(raw, f.wholeMessage(), "UID " + f.uid());
      assertEquals(raw.length, f.size());
    }

    s.idle().get(10, TimeUnit.SECONDS);
    Change.Delivered d = sim.deliver(user, "INBOX");
    pushed.get(10, TimeUnit.SECONDS);
    Change.FlagsChanged fc = sim.setFlags(user, "INBOX", 4, EnumSet.of(Flag.FLAGGED)).orElseThrow();
    ImapResponse.Fetch f = flagPush.get(10, TimeUnit.SECONDS);
    assertEquals(4, f.data().uid());
    assertEquals(fc.modSeq(), f.data().modSeq());
    s.done().get(10, TimeUnit.SECONDS);

    List<FetchData> changed = s.uidFetch("1:*", "(UID FLAGS) (CHANGEDSINCE " + truth.highestModSeq() + ")", 1)
        .get(10, TimeUnit.SECONDS);
    assertEquals(List.of(4L, d.uid()), changed.stream().map(FetchData::uid).sorted().toList());
    s.logout().get(10, TimeUnit.SECONDS);
  }
}
