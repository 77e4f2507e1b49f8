package io.imapsync.coordinator.assignment;

import static io.imapsync.coordinator.assignment.Fixtures.accounts;
import static io.imapsync.coordinator.assignment.Fixtures.equalNodes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedLoadRendezvousValidationTest {

  private final BoundedLoadRendezvous rendezvous = new BoundedLoadRendezvous();

  @Test
  void noNodes() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> rendezvous.assign(List.of(), accounts(3, 1)));
    assertEquals("no nodes: at least one sync node is needed", e.getMessage());
  }

  @Test
  void allNodesDraining() {
    List<SyncNode> nodes = List.of(new SyncNode("a", 0), new SyncNode("b", 0));

    var e =
        assertThrows(
            IllegalArgumentException.class, () -> rendezvous.assign(nodes, accounts(3, 1)));
    assertEquals("all 2 nodes have weight 0 (draining): no node can take accounts", e.getMessage());
  }

  @Test
  void duplicateNodeIds() {
    List<SyncNode> nodes =
        List.of(new SyncNode("a", 1), new SyncNode("b", 1), new SyncNode("a", 2));

    var e =
        assertThrows(
            IllegalArgumentException.class, () -> rendezvous.assign(nodes, accounts(3, 1)));
    assertEquals("duplicate node id 'a'", e.getMessage());
  }

  @Test
  void duplicateAccounts() {
    List<AccountLoad> accounts =
        List.of(new AccountLoad("x@example.org", 1), new AccountLoad("x@example.org", 2));

    var e =
        assertThrows(
            IllegalArgumentException.class, () -> rendezvous.assign(equalNodes(2), accounts));
    assertEquals("duplicate account id 'x@example.org'", e.getMessage());
  }

  @Test
  void negativeWeight() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SyncNode("a", -1));
    assertEquals("node 'a': weight must be >= 0 (0 = draining), got -1.0", e.getMessage());
  }

  @Test
  void nonFiniteWeight() {
    var e = assertThrows(IllegalArgumentException.class, () -> new SyncNode("a", Double.NaN));
    assertEquals("node 'a': weight must be finite, got NaN", e.getMessage());
  }

  @Test
  void blankIds() {
    assertEquals(
        "node id must not be blank",
        assertThrows(IllegalArgumentException.class, () -> new SyncNode(" ", 1)).getMessage());
    assertEquals(
        "account id must not be blank",
        assertThrows(IllegalArgumentException.class, () -> new AccountLoad("", 1)).getMessage());
  }

  @Test
  void accountWithoutConnections() {
    var e = assertThrows(IllegalArgumentException.class, () -> new AccountLoad("x", 0));
    assertEquals("account 'x': connections must be >= 1, got 0", e.getMessage());
  }

  @Test
  void loadFactorBelowOne() {
    var e = assertThrows(IllegalArgumentException.class, () -> new BoundedLoadRendezvous(0.99));
    assertEquals("load factor must be finite and >= 1.0, got 0.99", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new BoundedLoadRendezvous(Double.NaN));
  }

  @Test
  void rebalanceNeedsAPreviousAssignment() {
    assertThrows(
        NullPointerException.class,
        () -> rendezvous.rebalance(null, equalNodes(2), accounts(3, 1)));
  }

  @Test
  void assignmentCollectionsAreReadOnly() {
    Assignment assignment = rendezvous.assign(equalNodes(2), accounts(10, 1));

    assertThrows(UnsupportedOperationException.class, () -> assignment.owners().clear());
    assertThrows(UnsupportedOperationException.class, () -> assignment.nodeLoads().clear());
    assertThrows(UnsupportedOperationException.class, () -> assignment.nodes().clear());
  }
}
