package io.imapsync.coordinator.assignment;

import static io.imapsync.coordinator.assignment.Fixtures.accounts;
import static io.imapsync.coordinator.assignment.Fixtures.equalNodes;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BoundedLoadRendezvousDeterminismTest {

  private final BoundedLoadRendezvous rendezvous = new BoundedLoadRendezvous();

  @Test
  void shuffledInputsGiveTheSameAssignment() {
    List<SyncNode> nodes =
        List.of(
            new SyncNode("a", 1), new SyncNode("b", 2), new SyncNode("c", 3), new SyncNode("d", 0));
    List<AccountLoad> accounts = accounts(3_000, 21);
    Assignment reference = rendezvous.assign(nodes, accounts);

    Random random = new Random(99);
    for (int round = 0; round < 5; round++) {
      Assignment shuffled = rendezvous.assign(shuffle(nodes, random), shuffle(accounts, random));
      assertEquals(reference, shuffled, "round " + round);
    }
  }

  @Test
  void shuffledInputsGiveTheSameRebalance() {
    List<AccountLoad> accounts = accounts(3_000, 22);
    Assignment previous = rendezvous.assign(equalNodes(3), accounts);
    // a membership change and account churn at once, so every phase has work to do
    List<SyncNode> nodes = new ArrayList<>(Fixtures.withWeight(equalNodes(4), "sync-02", 0));
    nodes.add(new SyncNode("sync-05", 2));
    List<AccountLoad> changed = new ArrayList<>(accounts.subList(100, 3_000));
    changed.addAll(accounts(200, 23));
    Assignment reference = rendezvous.rebalance(previous, nodes, changed);

    Random random = new Random(98);
    for (int round = 0; round < 5; round++) {
      Assignment shuffled =
          rendezvous.rebalance(previous, shuffle(nodes, random), shuffle(changed, random));
      assertEquals(reference, shuffled, "round " + round);
    }
    assertEquals(previous.version() + 1, reference.version());
    BoundedLoadRendezvousBalanceTest.assertEveryAccountPlacedAndLoadsAddUp(reference, changed);
  }

  @Test
  void aFreshInstanceComputesTheSameAssignment() {
    List<AccountLoad> accounts = accounts(1_000, 24);

    assertEquals(
        new BoundedLoadRendezvous().assign(equalNodes(5), accounts),
        new BoundedLoadRendezvous().assign(equalNodes(5), accounts));
  }

  private static <T> List<T> shuffle(List<T> list, Random random) {
    List<T> copy = new ArrayList<>(list);
    Collections.shuffle(copy, random);
    return copy;
  }
}
