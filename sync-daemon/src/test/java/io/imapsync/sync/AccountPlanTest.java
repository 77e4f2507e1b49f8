package io.imapsync.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.imapsync.sync.AccountSync.Share;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccountPlanTest {
  private static final List<String> SIX = List.of("INBOX", "Sent", "Drafts", "Archive", "Junk", "Trash");

  @Test
  void notifyPutsEveryFolderOnOneConnection() {
    assertEquals(List.of(new Share("INBOX", SIX.subList(1, 6))), AccountSync.plan(SIX, true, 5));
  }

  @Test
  void withoutNotifyTheFirstFoldersIdleAndTheLastConnectionPollsTheRest() {
    assertEquals(List.of(new Share("INBOX", List.of()), new Share("Sent", List.of("Drafts", "Archive", "Junk", "Trash"))),
        AccountSync.plan(SIX, false, 2));
    assertEquals(List.of(new Share("INBOX", List.of()), new Share("Sent", List.of()), new Share("Drafts", List.of()),
        new Share("Archive", List.of("Junk", "Trash"))), AccountSync.plan(SIX, false, 4));
  }

  @Test
  void aBudgetOfOnePollsEverythingButTheInbox() {
    assertEquals(List.of(new Share("INBOX", SIX.subList(1, 6))), AccountSync.plan(SIX, false, 1));
  }

  @Test
  void aBudgetLargerThanTheFoldersUsesOneConnectionPerFolderAndNoMore() {
    List<Share> plan = AccountSync.plan(List.of("INBOX", "Sent"), false, 16);
    assertEquals(List.of(new Share("INBOX", List.of()), new Share("Sent", List.of())), plan);
  }
}
