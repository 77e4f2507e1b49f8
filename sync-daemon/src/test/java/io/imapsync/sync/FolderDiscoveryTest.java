package io.imapsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imapsync.imap.protocol.ImapResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class FolderDiscoveryTest {
  private static ImapResponse.ListEntry entry(String name, String... attrs) {
    return new ImapResponse.ListEntry(false, List.of(attrs), "/", name);
  }

  private static List<String> names(List<WatchedFolder> folders) {
    return folders.stream().map(WatchedFolder::name).toList();
  }

  @Test
  void gmailBySpecialUseWithAllMailOnlyWithoutArchive() {
    List<ImapResponse.ListEntry> gmail = List.of(
        entry("INBOX", "\\HasNoChildren"),
        entry("[Gmail]", "\\Noselect", "\\HasChildren"),
        entry("[Gmail]/All Mail", "\\All", "\\HasNoChildren"),
        entry("[Gmail]/Drafts", "\\Drafts"),
        entry("[Gmail]/Sent Mail", "\\Sent"),
        entry("[Gmail]/Spam", "\\Junk"),
        entry("[Gmail]/Trash", "\\Trash"),
        entry("[Gmail]/Starred", "\\Flagged"),
        entry("Receipts"));
    assertEquals(List.of("INBOX", "[Gmail]/Sent Mail", "[Gmail]/Drafts", "[Gmail]/All Mail", "[Gmail]/Spam",
        "[Gmail]/Trash"), names(FolderDiscovery.choose(gmail, List.of(), false)));
  }

  @Test
  void legacyServerByWellKnownNamesAndArchiveBeatsAllMail() {
    List<ImapResponse.ListEntry> legacy = List.of(
        entry("INBOX"), entry("Sent Items"), entry("Deleted Items"), entry("Junk E-mail"), entry("Drafts"),
        entry("Archive"), entry("All Mail"), entry("Projects"));
    assertEquals(List.of("INBOX", "Sent Items", "Drafts", "Archive", "Junk E-mail", "Deleted Items"),
        names(FolderDiscovery.choose(legacy, List.of(), false)));
  }

  @Test
  void explicitListAndModifiedUtf7Names() {
    List<ImapResponse.ListEntry> entries = List.of(entry("INBOX"), entry("&ZeVnLIqe-"), entry("Projects"));
    List<WatchedFolder> chosen = FolderDiscovery.choose(entries, List.of("inbox", "日本語", "Gone"), false);
    assertEquals(List.of("INBOX", "日本語"), names(chosen));
    assertEquals(List.of("Gone"), FolderDiscovery.missing(chosen, List.of("inbox", "日本語", "Gone")));
  }
}
