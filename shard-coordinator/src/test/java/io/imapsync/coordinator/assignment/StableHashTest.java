package io.imapsync.coordinator.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Pins the hash. If one of these fails, the change would reassign almost every account of a running
 * cluster, and nodes on the old and new release would disagree about who owns what. Change a pinned
 * value only together with a planned migration.
 */
class StableHashTest {

  @Test
  void fnv1a64MatchesThePublishedTestVectors() {
    assertEquals(0xcbf29ce484222325L, StableHash.fnv1a64(StableHash.utf8("")));
    assertEquals(0xaf63dc4c8601ec8cL, StableHash.fnv1a64(StableHash.utf8("a")));
    assertEquals(0x85944171f73967e8L, StableHash.fnv1a64(StableHash.utf8("foobar")));
  }

  @Test
  void fmix64IsMurmur3sFinalizer() {
    assertEquals(0L, StableHash.fmix64(0L));
    assertEquals(0xb456bcfc34c2cb2cL, StableHash.fmix64(1L));
  }

  // Values below were cross-checked against an independent Python implementation.

  @Test
  void accountHashesArePinned() {
    assertEquals(0x53e4b3bc79050458L, StableHash.accountHash("alice@example.com"));
    assertEquals(0x5e9ae21602133254L, StableHash.accountHash("user1@example.org"));
    assertEquals(
        0x5390d11781a76c70L, StableHash.accountHash("ünïcødé@example.de"), "hashes UTF-8 bytes");
  }

  @Test
  void pairHashesAndScoresArePinned() {
    assertEquals(0x98aa67b6afe42181L, StableHash.pairHash("alice@example.com", "sync-01"));
    assertEquals(0xd68d39bdb6c9f657L, StableHash.pairHash("alice@example.com", "sync-02"));
    assertEquals(0x6e594ff528620736L, StableHash.pairHash("bob@example.com", "sync-01"));
    assertEquals(0.5963501759541862, StableHash.unitInterval(0x98aa67b6afe42181L));
    assertEquals(
        1.9345082264344546, RendezvousScore.score("alice@example.com", new SyncNode("sync-01", 1)));
  }

  @Test
  void aSmallAssignmentIsPinned() {
    List<AccountLoad> accounts = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      accounts.add(new AccountLoad("acct-" + i, 1 + i % 2));
    }
    List<SyncNode> nodes =
        List.of(new SyncNode("sync-01", 1), new SyncNode("sync-02", 1), new SyncNode("sync-03", 2));

    Assignment assignment = new BoundedLoadRendezvous().assign(nodes, accounts);

    assertEquals(
        Map.ofEntries(
            Map.entry("acct-0", "sync-01"),
            Map.entry("acct-1", "sync-03"),
            Map.entry("acct-2", "sync-03"),
            Map.entry("acct-3", "sync-03"),
            Map.entry("acct-4", "sync-01"),
            Map.entry("acct-5", "sync-01"),
            Map.entry("acct-6", "sync-02"),
            Map.entry("acct-7", "sync-03"),
            Map.entry("acct-8", "sync-03"),
            Map.entry("acct-9", "sync-02"),
            Map.entry("acct-10", "sync-03"),
            Map.entry("acct-11", "sync-02")),
        assignment.owners());
    assertEquals(Map.of("sync-01", 4L, "sync-02", 5L, "sync-03", 9L), assignment.nodeLoads());
  }

  @Test
  void accountAndNodeIdsCannotRunIntoEachOther() {
    assertNotEquals(StableHash.pairHash("ab", "c"), StableHash.pairHash("a", "bc"));
  }

  @Test
  void unitIntervalNeverReachesZeroOrOne() {
    assertTrue(StableHash.unitInterval(0L) > 0);
    assertTrue(StableHash.unitInterval(-1L) < 1);
    assertTrue(Double.isFinite(RendezvousScore.score(1.0, 0L)));
    assertTrue(Double.isFinite(RendezvousScore.score(1.0, -1L)));
  }
}
