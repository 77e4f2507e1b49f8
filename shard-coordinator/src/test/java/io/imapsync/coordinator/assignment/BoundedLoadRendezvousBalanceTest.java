package io.imapsync.coordinator.assignment;

import static io.imapsync.coordinator.assignment.Fixtures.accounts;
import static io.imapsync.coordinator.assignment.Fixtures.equalNodes;
import static io.imapsync.coordinator.assignment.Fixtures.maxOverMeanLoadPerWeight;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BoundedLoadRendezvousBalanceTest {

  private final BoundedLoadRendezvous rendezvous = new BoundedLoadRendezvous();

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 2024})
  void threeEqualNodesStayWithinFivePercentOfFairShare(long seed) {
    List<AccountLoad> accounts = accounts(3_000, seed);

    Assignment assignment = rendezvous.assign(equalNodes(3), accounts);

    assertEveryAccountPlacedAndLoadsAddUp(assignment, accounts);
    double ratio = maxOverMeanLoadPerWeight(assignment);
    System.out.printf(
        "3 equal nodes, 3000 accounts, seed %d: loads %s, max/mean %.4f%n",
        seed, assignment.nodeLoads(), ratio);
    assertTrue(ratio <= 1.05, "max/mean load per weight " + ratio);
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42, 2024})
  void weightedNodesGetLoadProportionalToWeight(long seed) {
    List<SyncNode> nodes =
        List.of(new SyncNode("small", 1), new SyncNode("medium", 2), new SyncNode("large", 3));
    List<AccountLoad> accounts = accounts(3_000, seed);

    Assignment assignment = rendezvous.assign(nodes, accounts);

    assertEveryAccountPlacedAndLoadsAddUp(assignment, accounts);
    double ratio = maxOverMeanLoadPerWeight(assignment);
    System.out.printf(
        "weights 1/2/3, 3000 accounts, seed %d: loads %s, max/mean %.4f%n",
        seed, assignment.nodeLoads(), ratio);
    assertTrue(ratio <= 1.05, "max/mean load per weight " + ratio);
  }

  @Test
  void aCustomLoadFactorBoundsTheBusiestNode() {
    BoundedLoadRendezvous tight = new BoundedLoadRendezvous(1.01);

    Assignment assignment = tight.assign(equalNodes(4), accounts(4_000, 7));

    double ratio = maxOverMeanLoadPerWeight(assignment);
    System.out.printf("4 equal nodes, c = 1.01: max/mean %.4f%n", ratio);
    assertTrue(ratio <= 1.01, "max/mean load per weight " + ratio);
  }

  @Test
  void anAccountLargerThanEveryCapacityIsStillPlacedOnTheNodeWithMostRoom() {
    List<AccountLoad> accounts = new ArrayList<>(accounts(30, 5));
    accounts.add(new AccountLoad("huge-shared-mailbox", 500));

    Assignment assignment = rendezvous.assign(equalNodes(3), accounts);

    assertEveryAccountPlacedAndLoadsAddUp(assignment, accounts);
    String hugeOwner = assignment.ownerOf("huge-shared-mailbox").orElseThrow();
    long othersOnHugeOwner = assignment.loadOf(hugeOwner) - 500;
    for (SyncNode node : assignment.nodes()) {
      if (!node.id().equals(hugeOwner)) {
        assertTrue(
            othersOnHugeOwner <= assignment.loadOf(node.id()),
            "the huge account should sit on the node that had the most room: "
                + assignment.nodeLoads());
      }
    }
  }

  @Test
  void aSingleNodeTakesEverything() {
    List<AccountLoad> accounts = accounts(100, 9);

    Assignment assignment = rendezvous.assign(equalNodes(1), accounts);

    assertEveryAccountPlacedAndLoadsAddUp(assignment, accounts);
    assertEquals(1, assignment.nodeLoads().size());
  }

  @Test
  void noAccountsGiveAnEmptyAssignmentWithZeroLoads() {
    Assignment assignment = rendezvous.assign(equalNodes(2), List.of());

    assertTrue(assignment.owners().isEmpty());
    assertEquals(0L, assignment.loadOf("sync-01"));
    assertEquals(1L, assignment.version());
  }

  @Test
  void fiftyThousandAccountsOnTwelveNodesFinishes() {
    List<SyncNode> nodes = equalNodes(12);
    List<AccountLoad> accounts = accounts(50_000, 11);
    rendezvous.assign(nodes, accounts.subList(0, 1_000)); // warm up the JIT a little

    long start = System.nanoTime();
    Assignment assignment = rendezvous.assign(nodes, accounts);
    long assignMillis = (System.nanoTime() - start) / 1_000_000;

    start = System.nanoTime();
    Assignment joined = rendezvous.rebalance(assignment, equalNodes(13), accounts);
    long rebalanceMillis = (System.nanoTime() - start) / 1_000_000;

    assertEveryAccountPlacedAndLoadsAddUp(assignment, accounts);
    assertEveryAccountPlacedAndLoadsAddUp(joined, accounts);
    System.out.printf(
        "50000 accounts x 12 nodes: assign %d ms (max/mean %.4f); rebalance to 13 nodes %d ms"
            + " (max/mean %.4f, moved %.4f)%n",
        assignMillis,
        maxOverMeanLoadPerWeight(assignment),
        rebalanceMillis,
        maxOverMeanLoadPerWeight(joined),
        Fixtures.movedFraction(AssignmentMoves.between(assignment, joined), joined));
  }

  static void assertEveryAccountPlacedAndLoadsAddUp(
      Assignment assignment, List<AccountLoad> accounts) {
    assertEquals(accounts.size(), assignment.owners().size(), "every account has an owner");
    long expectedTotal = accounts.stream().mapToLong(AccountLoad::connections).sum();
    long total = assignment.nodeLoads().values().stream().mapToLong(Long::longValue).sum();
    assertEquals(expectedTotal, total, "node loads add up to all connections");
    Map<String, Long> recomputed = new TreeMap<>();
    for (AccountLoad account : accounts) {
      recomputed.merge(
          assignment.owners().get(account.accountId()), (long) account.connections(), Long::sum);
    }
    recomputed.forEach((node, load) -> assertEquals(load, assignment.loadOf(node), node));
  }
}
