package io.imapsync.it.support;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Samples of a Prometheus text exposition (format 0.0.4), by series: {@code name{labels}} exactly
 * as written, or {@code name} alone. Enough to assert on a scrape; not a general parser.
 */
public final class PrometheusText {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Map<String, Double> samples = new LinkedHashMap<>();

  public PrometheusText(String text) {
    for (String line : text.split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (m.find()) {
        samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
      }
    }
  }

  /**
   * The sum over the series of {@code name} whose labels include every pair given
   * ({@code "host", "127.0.0.1"}); NaN when no series matches.
   */
  public double value(String name, String... labelPairs) {
    double sum = 0;
    boolean any = false;
    for (Map.Entry<String, Double> e : samples.entrySet()) {
      String series = e.getKey();
      int brace = series.indexOf('{');
      String n = brace < 0 ? series : series.substring(0, brace);
      if (!n.equals(name) || !hasLabels(brace < 0 ? "" : series.substring(brace), labelPairs)) {
        continue;
      }
      sum += e.getValue();
      any = true;
    }
    return any ? sum : Double.NaN;
  }

  private static boolean hasLabels(String labels, String[] pairs) {
    Map<String, String> found = new LinkedHashMap<>();
    Matcher m = LABEL.matcher(labels);
    while (m.find()) {
      found.put(m.group(1), m.group(2));
    }
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      if (!pairs[i + 1].equals(found.get(pairs[i]))) {
        return false;
      }
    }
    return true;
  }

  public boolean has(String name) {
    return !Double.isNaN(value(name));
  }
}
