package io.imapsync.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** A {@code --peers} value: {@code all}, or peer names separated by commas; a typo names the known ones. */
final class PeerNames {
  private PeerNames() {}

  static <K> List<K> parse(String spec, K[] known, Function<K, String> id, String what) {
    if (spec.strip().equalsIgnoreCase("all")) {
      return List.of(known);
    }
    List<K> kinds = new ArrayList<>();
    for (String name : spec.split(",")) {
      String n = name.strip().toLowerCase(Locale.ROOT);
      kinds.add(Arrays.stream(known).filter(k -> id.apply(k).equals(n)).findFirst().orElseThrow(
          () -> new IllegalArgumentException("unknown " + what + " '" + name.strip() + "'; known: all, "
              + String.join(", ", Arrays.stream(known).map(id).toList()))));
    }
    return kinds;
  }
}
