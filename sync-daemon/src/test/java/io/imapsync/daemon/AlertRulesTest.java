package io.imapsync.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imapsync.metrics.DaemonMetrics;
import io.imapsync.metrics.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alert rules and docs name exactly what the daemon exports: every {@code imapsync_*} name in
 * deploy/prometheus/alerts.yml is a sample of a real scrape, and docs/metrics.md lists every
 * metric family of it.
 */
class AlertRulesTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern NAME = Pattern.compile("imapsync_[a-z0-9_]*[a-z0-9]");

  /** What a daemon that has seen one host connect, log in and fail exports. */
  private static String scrape() {
    try (DaemonMetrics metrics = DaemonMetrics.create();
         SessionCensus census = new SessionCensus(metrics.registry(), List::of)) {
      metrics.bindProcessMeters();
      metrics.imap().connected("imap.example.com");
      metrics.imap().connectFailed("imap.example.com");
      metrics.imap().loginAttempted("imap.example.com");
      metrics.imap().loginFailed("imap.example.com");
      metrics.error(ErrorKind.SESSION);
      return metrics.registry().scrape();
    }
  }

  private static Set<String> samples(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        names.add(line.split("[{ ]", 2)[0]);
      }
    }
    return names;
  }

  private static Set<String> families(String scrape) {
    Set<String> names = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("# TYPE imapsync_")) {
        names.add(line.split(" ")[2].replaceFirst("_max$", "")); // a histogram's _max goes with it
      }
    }
    return names;
  }

  private static Set<String> namesIn(Path file) throws Exception {
    Set<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(Files.readString(file));
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  @Test
  void everyMetricTheAlertsUseIsExported() throws Exception {
    Set<String> exported = samples(scrape());
    Set<String> used = namesIn(ROOT.resolve("deploy/prometheus/alerts.yml"));
    assertFalse(used.isEmpty(), "the rules use imapsync metrics");
    Set<String> missing = new TreeSet<>(used);
    missing.removeAll(exported);
    assertEquals(Set.of(), missing, "names in alerts.yml that the daemon does not export; exported: " + exported);
  }

  @Test
  void docsListEveryExportedFamily() throws Exception {
    Set<String> families = families(scrape());
    assertTrue(families.size() >= 14, "the daemon's own families: " + families);
    Set<String> documented = namesIn(ROOT.resolve("docs/metrics.md"));
    Set<String> undocumented = new TreeSet<>(families);
    undocumented.removeAll(documented);
    assertEquals(Set.of(), undocumented, "families missing from docs/metrics.md");
  }
}
