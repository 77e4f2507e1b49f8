package io.imapsync.loadsim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.it.support.Corpora;
import jakarta.mail.FetchProfile;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Messages from a corpus directory instead of generated ones, read back by Angus. */
@Tag("integration")
@Timeout(60)
class CorpusIntegrationTest {

  private static final String MBOX = """
      From alice@example.com Mon Jan  1 00:00:00 2024
      From: Alice <alice@example.com>
      To: bob@example.org
      Subject: first
      Message-ID: <first@example.com>
      Date: Mon, 1 Jan 2024 00:00:00 +0000

      Hello Bob,
      >From the mbox, with love.

      From bob@example.org Mon Jan  1 01:00:00 2024
      From: bob@example.org
      To: Alice <alice@example.com>
      Subject: Re: first
      Message-ID: <second@example.org>
      In-Reply-To: <first@example.com>
      Date: Mon, 1 Jan 2024 01:00:00 +0000

      Hi Alice.
      """;

  private static final String EML = """
      From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.net>
      To: alice@example.com
      Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=
      Message-ID: <third@example.net>
      Date: Tue, 2 Jan 2024 00:00:00 +0000
      MIME-Version: 1.0
      Content-Type: multipart/alternative; boundary="b1"

      --b1
      Content-Type: text/plain; charset=utf-8

      plain part
      --b1
      Content-Type: text/html; charset=utf-8

      <p>html part</p>
      --b1--
      """;

  private static Store connect(LoadSimulator sim, String user) throws Exception {
    Store store = Session.getInstance(new Properties()).getStore("imap");
    store.connect("127.0.0.1", sim.port(), user, "pw");
    return store;
  }

  @Test
  void servesMboxAndEmlMessagesWithTheirStructure(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("two.mbox"), MBOX, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("three.eml"), EML, StandardCharsets.UTF_8);
    LoadSimConfig config = LoadSimConfig.builder().mailboxes(3).port(0).ioThreads(1).corpus(dir)
        .inboxMessages(3).otherFolderMessages(0).build();
    try (LoadSimulator sim = LoadSimulator.start(config)) {
      Store store = connect(sim, "user00001");
      try {
        IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        Message[] all = inbox.getMessages();
        FetchProfile fp = new FetchProfile();
        fp.add(FetchProfile.Item.ENVELOPE);
        fp.add(FetchProfile.Item.CONTENT_INFO);
        fp.add(UIDFolder.FetchProfileItem.UID);
        inbox.fetch(all, fp);
        // Three corpus messages, each once, in corpus order from a per-folder offset.
        List<String> subjects = java.util.Arrays.stream(all).map(m -> {
          try {
            return m.getSubject();
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }).sorted().toList();
        assertEquals(List.of("Grüße", "Re: first", "first"), subjects);
        for (Message m : all) {
          if (m.getSubject().equals("Grüße")) {
            assertTrue(m.isMimeType("multipart/alternative"));
            Multipart mp = (Multipart) m.getContent();
            assertEquals(2, mp.getCount());
            assertEquals("plain part", ((String) mp.getBodyPart(0).getContent()).trim());
            assertTrue(mp.getBodyPart(1).isMimeType("text/html"));
            assertEquals("<third@example.net>", m.getHeader("Message-ID")[0]);
          } else if (m.getSubject().equals("first")) {
            assertEquals("Hello Bob,\r\nFrom the mbox, with love.\r\n", m.getContent());
            assertEquals("Alice <alice@example.com>", m.getFrom()[0].toString());
          }
        }
      } finally {
        store.close();
      }
      Change.Delivered d = sim.deliver("user00002", "INBOX");
      byte[] raw = sim.messageBytes("user00002", "INBOX", d.uid()).orElseThrow();
      MimeMessage parsed = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(raw));
      assertEquals(d.messageId(), parsed.getMessageID());
      assertEquals(String.valueOf(d.stampMicros()), parsed.getHeader(Stamps.HEADER)[0]);
      assertNotNull(parsed.getHeader("X-Loadsim-Original-Message-ID"));
      assertEquals(1, parsed.getHeader("Message-ID").length);
    }
  }

  @Test
  void theNotmuchCorporaServeAndParse() throws Exception {
    Path notmuch = Corpora.maildir("notmuch").isEmpty() ? null : Corpora.root().resolve("notmuch");
    LoadSimConfig config = LoadSimConfig.builder().mailboxes(2).port(0).ioThreads(1).corpus(notmuch)
        .inboxMessages(120).build();
    try (LoadSimulator sim = LoadSimulator.start(config)) {
      Store store = connect(sim, "user00001");
      try {
        IMAPFolder inbox = (IMAPFolder) store.getFolder("INBOX");
        inbox.open(Folder.READ_ONLY);
        Message[] all = inbox.getMessages();
        FetchProfile fp = new FetchProfile();
        fp.add(FetchProfile.Item.ENVELOPE);
        fp.add(FetchProfile.Item.CONTENT_INFO);
        fp.add(FetchProfile.Item.SIZE);
        inbox.fetch(all, fp); // every ENVELOPE and BODYSTRUCTURE must parse
        for (Message m : all) {
          byte[] raw = sim.messageBytes("user00001", "INBOX", inbox.getUID(m)).orElseThrow();
          assertEquals(raw.length, m.getSize());
          assertNotNull(m.getContentType());
        }
      } finally {
        store.close();
      }
    }
  }
}
