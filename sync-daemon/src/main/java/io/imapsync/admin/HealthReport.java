package io.imapsync.admin;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One health answer: {@code ok} decides 200 or 503; {@code details} (names to numbers, booleans or
 * words, never credentials) is the JSON body that says why.
 */
public record HealthReport(boolean ok, Map<String, Object> details) {
  public HealthReport {
    details = Collections.unmodifiableMap(new LinkedHashMap<>(details)); // in the order given
  }
}
