package io.imapsync.coordinator.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.coordinator.assignment.AccountLoad;
import io.imapsync.coordinator.assignment.Assignment;
import io.imapsync.coordinator.assignment.SyncNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AssignmentPlannerTest {
  private final AssignmentPlanner planner = new AssignmentPlanner(1.05);

  private static List<AccountLoad> accounts(int n) {
    List<AccountLoad> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new AccountLoad("acct-" + i, 1));
    }
    return out;
  }

  private static PublishedAssignment published(Assignment a) {
    return new PublishedAssignment(a.version(), a.owners(), a.nodes(), "test", 0);
  }

  @Test
  void pinsWinAndPinsToGoneOrDrainedNodesAreIgnored() {
    List<SyncNode> live = List.of(new SyncNode("n1", 1), new SyncNode("n2", 1), new SyncNode("n3", 0));
    Assignment first = planner.target(PublishedAssignment.EMPTY, List.of(), live, accounts(300), Map.of());
    String someOnN1 = first.owners().entrySet().stream().filter(e -> e.getValue().equals("n1")).findFirst()
        .orElseThrow().getKey();
    Assignment pinned = planner.target(published(first), live, live, accounts(300),
        Map.of(someOnN1, "n2", "acct-1", "n3", "acct-2", "gone"));
    assertEquals("n2", pinned.owners().get(someOnN1));
    assertTrue(!pinned.owners().get("acct-1").equals("n3"), "a pin to a drained node is not obeyed");
    assertEquals(first.owners().get("acct-2"), pinned.owners().get("acct-2"), "a pin to an unknown node changes nothing");
    assertEquals(List.of(new OwnerChange(someOnN1, "n1", "n2")),
        AssignmentPlanner.changes(first.owners(), pinned.owners()));
  }

  @Test
  void aJoinerKeepsPullingWhenTheTargetIsRecomputedHalfWay() {
    List<SyncNode> three = List.of(new SyncNode("n1", 1), new SyncNode("n2", 1), new SyncNode("n3", 1));
    List<SyncNode> four = new ArrayList<>(three);
    four.add(new SyncNode("n4", 1));
    Assignment before = planner.target(PublishedAssignment.EMPTY, List.of(), three, accounts(3000), Map.of());
    Assignment target = planner.target(published(before), three, four, accounts(3000), Map.of());
    List<OwnerChange> all = AssignmentPlanner.changes(before.owners(), target.owners());
    // Half of the moves published, then something else changes: judged against the old membership
    // (the baseline), n4 still pulls the rest; nothing moves between the stayers.
    Map<String, String> half = new java.util.TreeMap<>(before.owners());
    all.subList(0, all.size() / 2).forEach(c -> half.put(c.accountId(), c.to()));
    PublishedAssignment halfway = new PublishedAssignment(before.version() + 1, half, three, "test", 0);
    Assignment again = planner.target(halfway, three, four, accounts(3000), Map.of());
    List<OwnerChange> rest = AssignmentPlanner.changes(half, again.owners());
    assertTrue(rest.stream().allMatch(c -> c.to().equals("n4")), "only toward the joiner: " + rest);
    long onN4 = again.owners().values().stream().filter("n4"::equals).count();
    assertTrue(onN4 >= 700 && onN4 <= 790, "n4 gets about its fair share: " + onN4);
  }
}
