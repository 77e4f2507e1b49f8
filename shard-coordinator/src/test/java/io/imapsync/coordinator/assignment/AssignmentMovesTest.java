package io.imapsync.coordinator.assignment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AssignmentMovesTest {

  @Test
  void listsOwnerChangesSortedByAccountAndIgnoresAddedOrRemovedAccounts() {
    Assignment before = assignment(Map.of("b", "n1", "a", "n1", "c", "n2", "removed", "n2"));
    Assignment after = assignment(Map.of("b", "n3", "a", "n2", "c", "n2", "added", "n1"));

    AssignmentMoves moves = AssignmentMoves.between(before, after);

    assertEquals(
        List.of(new AccountMove("a", "n1", "n2"), new AccountMove("b", "n1", "n3")), moves.moves());
    assertEquals(List.of(new AccountMove("a", "n1", "n2")), moves.within(List.of("n1", "n2")));
  }

  @Test
  void aMoveNeedsTwoDifferentNodes() {
    var e = assertThrows(IllegalArgumentException.class, () -> new AccountMove("a", "n1", "n1"));
    assertEquals("account 'a': a move needs two different nodes, got 'n1'", e.getMessage());
  }

  private static Assignment assignment(Map<String, String> owners) {
    return new Assignment(1, List.of(), new TreeMap<>(owners), new TreeMap<>());
  }
}
