package io.imapsync.normalize;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The parse warnings of one message: deduplicated, each at most {@link #MAX_CHARS} characters,
 * at most {@link #MAX_WARNINGS} of them (then one line saying how many more were dropped), so
 * hostile mail cannot grow the document through its warnings.
 */
final class Warnings {
  static final int MAX_WARNINGS = 32;
  static final int MAX_CHARS = 200;

  private final Set<String> warnings = new LinkedHashSet<>();
  private final WarningListener listener;
  private int dropped;

  Warnings() {
    this(WarningListener.NONE);
  }

  Warnings(WarningListener listener) {
    this.listener = listener;
  }

  /** Records a warning; the listener hears of each distinct one, recorded or dropped. */
  void add(WarningKind kind, String warning) {
    String w = warning.length() > MAX_CHARS ? warning.substring(0, MAX_CHARS - 1) + "…" : warning;
    if (warnings.size() < MAX_WARNINGS) {
      if (warnings.add(w)) {
        listener.onWarning(kind);
      }
    } else if (!warnings.contains(w)) {
      dropped++;
      listener.onWarning(kind);
    }
  }

  boolean isEmpty() {
    return warnings.isEmpty();
  }

  List<String> toList() {
    List<String> out = new ArrayList<>(warnings);
    if (dropped > 0) {
      out.add(dropped + " more warnings not recorded");
    }
    return out;
  }
}
