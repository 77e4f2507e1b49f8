package io.imapsync.imap.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SequenceSetsTest {

  @Test
  void runsBecomeRanges() {
    assertEquals("4:9,12,15:16", SequenceSets.compress(List.of(4L, 5L, 6L, 7L, 8L, 9L, 12L, 15L, 16L)));
    assertEquals("7", SequenceSets.compress(List.of(7L)));
    assertEquals("3:4", SequenceSets.compress(List.of(3L, 3L, 4L)), "duplicates collapse");
    assertEquals("", SequenceSets.compress(List.of()));
  }

  @Test
  void longSetsAreSplitUnderTheLineLimitAndNameExactlyTheSameUids() {
    Random random = new Random(42);
    TreeSet<Long> uids = new TreeSet<>();
    while (uids.size() < 20_000) {
      uids.add(1L + random.nextInt(4_000_000)); // sparse: few runs, long set
    }
    List<String> parts = SequenceSets.split(new ArrayList<>(uids), SequenceSets.DEFAULT_MAX_SET_OCTETS);
    assertTrue(parts.size() > 10, "split into " + parts.size());
    TreeSet<Long> named = new TreeSet<>();
    for (String p : parts) {
      assertTrue(p.length() <= SequenceSets.DEFAULT_MAX_SET_OCTETS, "part of " + p.length() + " octets");
      assertTrue(("A12 UID FETCH " + p + " (UID FLAGS MODSEQ)\r\n").length() < 8192);
      UidSet set = UidSet.parse(p);
      for (int i = 0; i < set.starts().length; i++) {
        for (long u = set.starts()[i]; u <= set.ends()[i]; u++) {
          named.add(u);
        }
      }
    }
    assertEquals(uids, named);
  }

  @Test
  void unsortedOrNonPositiveUidsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> SequenceSets.compress(List.of(5L, 3L)));
    assertThrows(IllegalArgumentException.class, () -> SequenceSets.compress(List.of(0L)));
  }
}
