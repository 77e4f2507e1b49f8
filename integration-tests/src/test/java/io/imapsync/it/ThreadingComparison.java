package io.imapsync.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.imapsync.conversation.BaseSubject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Compares two partitions of the same messages (ours: conversations; Dovecot's: THREAD
 * REFERENCES threads) and explains every disagreement by looking at the messages themselves:
 * which References links and which base subjects connect the parts.
 *
 * <p>A disagreement is one connected group of Dovecot threads and our conversations that is not
 * one thread = one conversation. Each is explained by one of {@link Reason}; {@link Reason#UNEXPLAINED}
 * means a rule we do not know of: a bug until understood.
 */
final class ThreadingComparison {

  /** Why we and Dovecot group differently. */
  enum Reason {
    /** Dovecot joins thread roots by base subject unconditionally; we require a shared participant. */
    SUBJECT_WITHOUT_SHARED_PARTICIPANT("we do not join by subject without a shared participant; Dovecot does"),
    /** Dovecot joins thread roots by base subject at any distance in time; we only within the window. */
    SUBJECT_OUTSIDE_WINDOW("we do not join by subject outside the time window; Dovecot does"),
    /** We join by the subject of every message; Dovecot only by the subjects of thread roots. */
    SUBJECT_OF_NON_ROOT("we join by the base subject of any message; Dovecot only compares thread roots"),
    /** Our base subject strips localized prefixes (AW:, SV:, ...) that RFC 5256 keeps. */
    LOCALIZED_PREFIX("our base subject strips localized reply prefixes; RFC 5256 does not"),
    /**
     * Dovecot keeps the first parent a message is given and drops conflicting References links,
     * which can leave an ancestor in another thread; we join every id a message names.
     */
    REFERENCES_UNION("we join every id a message names; Dovecot drops References links that conflict with a parent it already set"),
    UNEXPLAINED("no rule explains it");

    final String text;

    Reason(String text) {
      this.text = text;
    }
  }

  /** One message as both sides see it, from our stored message document. */
  record Msg(String name, JsonNode doc) {
    String messageId() {
      return doc.path("message_id").isTextual() ? doc.path("message_id").asText() : null;
    }

    List<String> links() {
      List<String> out = new ArrayList<>();
      for (JsonNode r : doc.path("references")) {
        if (valid(r.asText()) && !r.asText().equals(messageId())) {
          out.add(r.asText());
        }
      }
      String irt = doc.path("in_reply_to").isTextual() ? doc.path("in_reply_to").asText() : null;
      if (out.isEmpty() && valid(irt) && !irt.equals(messageId())) {
        out.add(irt);
      }
      return out;
    }

    String subject() {
      return doc.path("subject").isTextual() ? doc.path("subject").asText() : null;
    }

    long date() {
      return doc.path("date").asLong();
    }

    Set<String> participants(Set<String> own) {
      Set<String> out = new HashSet<>();
      for (String f : List.of("from", "to", "cc")) {
        for (JsonNode a : doc.path(f)) {
          if (a.path("address").isTextual()) {
            String addr = a.path("address").asText().toLowerCase(Locale.ROOT);
            if (!own.contains(addr)) {
              out.add(addr);
            }
          }
        }
      }
      return out;
    }

    private static boolean valid(String id) {
      if (id == null) {
        return false;
      }
      int at = id.lastIndexOf('@');
      return at > 0 && at < id.length() - 1;
    }
  }

  /** One group where the partitions differ. */
  record Disagreement(List<Set<String>> dovecotThreads, List<Set<String>> ourConversations, Reason reason,
      String detail) {}

  private final Map<String, Msg> messages;
  private final Duration window;
  private final Set<String> own;
  private final Set<String> dovecotRoots;

  /**
   * @param messages     every message by name (e.g. corpus file name)
   * @param dovecotRoots the names of messages Dovecot put at the root of a thread (or directly
   *                     under a dummy root): the only ones whose subjects Dovecot compares
   */
  ThreadingComparison(Map<String, Msg> messages, Duration window, Set<String> own, Set<String> dovecotRoots) {
    this.messages = messages;
    this.window = window;
    this.own = own;
    this.dovecotRoots = dovecotRoots;
  }

  /** How many connected groups differ, without explaining them. */
  static int differingGroups(Set<Set<String>> a, Set<Set<String>> b) {
    return groups(a, b).size();
  }

  List<Disagreement> compare(Set<Set<String>> dovecot, Set<Set<String>> ours) {
    List<Disagreement> out = new ArrayList<>();
    for (List<List<Set<String>>> g : groups(dovecot, ours)) {
      out.add(explain(g.get(0), g.get(1)));
    }
    return out;
  }

  /** The connected groups of a's and b's parts that are not one part on each side. */
  private static List<List<List<Set<String>>>> groups(Set<Set<String>> dovecot, Set<Set<String>> ours) {
    Map<String, Set<String>> dOf = new HashMap<>();
    Map<String, Set<String>> oOf = new HashMap<>();
    dovecot.forEach(t -> t.forEach(m -> dOf.put(m, t)));
    ours.forEach(c -> c.forEach(m -> oOf.put(m, c)));
    if (!dOf.keySet().equals(oOf.keySet())) {
      throw new AssertionError("the partitions cover different messages");
    }
    List<List<List<Set<String>>>> out = new ArrayList<>();
    Set<Set<String>> seen = new HashSet<>();
    for (Set<String> start : sorted(dovecot)) {
      if (seen.contains(start)) {
        continue;
      }
      // The connected group: Dovecot threads and our conversations that share messages.
      Set<Set<String>> ds = new LinkedHashSet<>();
      Set<Set<String>> os = new LinkedHashSet<>();
      List<String> todo = new ArrayList<>(start);
      Set<String> visited = new HashSet<>();
      while (!todo.isEmpty()) {
        String m = todo.remove(todo.size() - 1);
        if (!visited.add(m)) {
          continue;
        }
        if (ds.add(dOf.get(m))) {
          todo.addAll(dOf.get(m));
        }
        if (os.add(oOf.get(m))) {
          todo.addAll(oOf.get(m));
        }
      }
      seen.addAll(ds);
      if (ds.size() == 1 && os.size() == 1) {
        continue;
      }
      out.add(List.of(new ArrayList<>(ds), new ArrayList<>(os)));
    }
    return out;
  }

  private Disagreement explain(List<Set<String>> ds, List<Set<String>> os) {
    ds = sorted(ds);
    os = sorted(os);
    if (os.size() > 1) {
      // We split what Dovecot joins. A References link between our parts would be a bug of ours.
      String link = referenceLinkBetween(os);
      if (link != null) {
        return new Disagreement(ds, os, Reason.UNEXPLAINED, "we split parts that References link: " + link);
      }
      // Dovecot joined our parts by subject: find the pairs and why we refused them.
      Reason r = null;
      StringBuilder detail = new StringBuilder();
      for (int i = 0; i < os.size(); i++) {
        for (int j = i + 1; j < os.size(); j++) {
          Reason why = whySubjectNotJoined(os.get(i), os.get(j), detail);
          if (why == null) {
            continue;
          }
          r = r == null || r == why ? why : rank(r, why);
        }
      }
      if (r == null) {
        return new Disagreement(ds, os, Reason.UNEXPLAINED, "no shared base subject between our parts");
      }
      if (ds.size() > 1 && referenceLinkBetween(ds) != null) {
        r = Reason.UNEXPLAINED; // mixed group: both sides split and join differently
        detail.append("; also joined by References across Dovecot threads");
      }
      return new Disagreement(ds, os, r, detail.toString());
    }
    // We join what Dovecot splits.
    String link = referenceLinkBetween(ds);
    if (link != null) {
      return new Disagreement(ds, os, Reason.REFERENCES_UNION, link);
    }
    StringBuilder detail = new StringBuilder();
    Reason r = whySubjectJoined(ds, detail);
    return new Disagreement(ds, os, r, detail.toString());
  }

  private static Reason rank(Reason a, Reason b) {
    // Several pairs: any pair refused for lack of a participant makes that the reason.
    return a == Reason.SUBJECT_WITHOUT_SHARED_PARTICIPANT || b == Reason.SUBJECT_WITHOUT_SHARED_PARTICIPANT
        ? Reason.SUBJECT_WITHOUT_SHARED_PARTICIPANT : a;
  }

  /** A message of one part naming (References / In-Reply-To) the id of a message or reference of another part. */
  private String referenceLinkBetween(List<Set<String>> parts) {
    Map<String, Integer> partOfId = new HashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      for (String name : parts.get(i)) {
        Msg m = messages.get(name);
        if (m.messageId() != null) {
          partOfId.putIfAbsent(m.messageId(), i);
        }
      }
    }
    for (int i = 0; i < parts.size(); i++) {
      for (String name : parts.get(i)) {
        for (String l : messages.get(name).links()) {
          Integer other = partOfId.get(l);
          if (other != null && other != i) {
            return name + " names <" + l + ">, a message of the other part";
          }
        }
      }
    }
    // Shared dummy: two parts naming the same missing id.
    Map<String, Integer> partOfLink = new HashMap<>();
    for (int i = 0; i < parts.size(); i++) {
      for (String name : parts.get(i)) {
        for (String l : messages.get(name).links()) {
          Integer other = partOfLink.putIfAbsent(l, i);
          if (other != null && other != i) {
            return name + " and a message of the other part both name <" + l + ">";
          }
        }
      }
    }
    return null;
  }

  /** Our parts a and b share a base subject (Dovecot's reason to join them): why did we not? */
  private Reason whySubjectNotJoined(Set<String> a, Set<String> b, StringBuilder detail) {
    boolean sameSubject = false;
    boolean inWindow = false;
    for (String x : a) {
      for (String y : b) {
        Msg mx = messages.get(x);
        Msg my = messages.get(y);
        String kx = BaseSubject.key(mx.subject());
        if (kx.isEmpty() || !kx.equals(BaseSubject.key(my.subject()))) {
          continue;
        }
        sameSubject = true;
        if (Math.abs(mx.date() - my.date()) > window.toMillis()) {
          continue;
        }
        inWindow = true;
        Set<String> shared = new HashSet<>(mx.participants(own));
        shared.retainAll(my.participants(own));
        if (!shared.isEmpty()) {
          throw new AssertionError("we should have joined " + x + " and " + y + " (shared " + shared + ")");
        }
      }
    }
    if (!sameSubject) {
      return null;
    }
    if (detail.length() > 0) {
      detail.append("; ");
    }
    String example = a.iterator().next();
    detail.append('"').append(BaseSubject.of(messages.get(example).subject())).append('"');
    return inWindow ? Reason.SUBJECT_WITHOUT_SHARED_PARTICIPANT : Reason.SUBJECT_OUTSIDE_WINDOW;
  }

  /** We joined Dovecot's threads without a References link: by subject. Why did Dovecot not? */
  private Reason whySubjectJoined(List<Set<String>> ds, StringBuilder detail) {
    for (int i = 0; i < ds.size(); i++) {
      for (int j = i + 1; j < ds.size(); j++) {
        for (String x : ds.get(i)) {
          for (String y : ds.get(j)) {
            Msg mx = messages.get(x);
            Msg my = messages.get(y);
            String kx = BaseSubject.key(mx.subject());
            if (kx.isEmpty() || !kx.equals(BaseSubject.key(my.subject()))) {
              continue;
            }
            detail.append('"').append(BaseSubject.of(mx.subject())).append("\" (").append(x).append(", ")
                .append(y).append(')');
            if (!rfcBase(mx.subject()).equals(rfcBase(my.subject()))) {
              return Reason.LOCALIZED_PREFIX;
            }
            if (!dovecotRoots.contains(x) || !dovecotRoots.contains(y)) {
              return Reason.SUBJECT_OF_NON_ROOT;
            }
          }
        }
      }
    }
    return Reason.UNEXPLAINED;
  }

  /** RFC 5256's base subject without our localized prefixes, approximately (for the classification only). */
  private static String rfcBase(String subject) {
    String s = subject == null ? "" : subject;
    String lower = s.toLowerCase(Locale.ROOT);
    for (String p : List.of("aw:", "sv:", "vs:", "antw:", "wg:", "tr:", "réf:", "ref:", "odp:", "rv:", "enc:")) {
      if (lower.contains(p)) {
        return "localized:" + s;
      }
    }
    return BaseSubject.key(s);
  }

  /** A Markdown report: counts, then every disagreement with its reason and messages. */
  String report(Set<Set<String>> dovecot, Set<Set<String>> ours, List<Disagreement> disagreements,
      Map<String, Integer> extraCounts) {
    StringBuilder sb = new StringBuilder();
    sb.append("| | count |\n|---|---|\n");
    sb.append("| messages | ").append(messages.size()).append(" |\n");
    sb.append("| Dovecot threads | ").append(dovecot.size()).append(" |\n");
    sb.append("| our conversations | ").append(ours.size()).append(" |\n");
    long same = dovecot.stream().filter(ours::contains).count();
    sb.append("| identical groups | ").append(same).append(" |\n");
    sb.append("| disagreements | ").append(disagreements.size()).append(" |\n");
    Map<Reason, Integer> byReason = new TreeMap<>();
    disagreements.forEach(d -> byReason.merge(d.reason(), 1, Integer::sum));
    byReason.forEach((r, n) -> sb.append("| - ").append(r.name()).append(" | ").append(n).append(" |\n"));
    extraCounts.forEach((k, v) -> sb.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    int i = 1;
    for (Disagreement d : disagreements) {
      sb.append("\n### ").append(i++).append(". ").append(d.reason().name()).append("\n\n");
      sb.append(d.reason().text).append(". ").append(d.detail()).append("\n\n");
      sb.append("Dovecot: ").append(d.dovecotThreads().size()).append(" thread(s); ours: ")
          .append(d.ourConversations().size()).append(" conversation(s).\n\n");
      int k = 1;
      for (Set<String> c : d.ourConversations()) {
        sb.append("- our conversation ").append(k++).append(":\n");
        for (String name : sortedByDate(c)) {
          Msg m = messages.get(name);
          int dt = indexOf(d.dovecotThreads(), name);
          sb.append("  - `").append(name).append("` D").append(dt + 1).append(' ')
              .append(Instant.ofEpochMilli(m.date()).toString(), 0, 10).append(" ")
              .append(from(m)).append(": ").append(oneLine(m.subject())).append('\n');
        }
      }
    }
    return sb.toString();
  }

  private List<String> sortedByDate(Set<String> names) {
    List<String> l = new ArrayList<>(names);
    l.sort(Comparator.comparingLong((String n) -> messages.get(n).date()).thenComparing(n -> n));
    return l;
  }

  private static int indexOf(List<Set<String>> parts, String name) {
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i).contains(name)) {
        return i;
      }
    }
    return -1;
  }

  private static String from(Msg m) {
    JsonNode f = m.doc().path("from").path(0).path("address");
    return f.isTextual() ? f.asText() : "?";
  }

  private static String oneLine(String s) {
    return s == null ? "(no subject)" : s.replaceAll("\\s+", " ");
  }

  static <T extends Set<String>> List<T> sorted(Iterable<T> parts) {
    List<T> l = new ArrayList<>();
    parts.forEach(l::add);
    l.sort(Comparator.comparing(p -> new TreeSet<>(p).first()));
    return l;
  }

  static Set<Set<String>> partition(Map<String, String> groupOf) {
    Map<String, Set<String>> by = new LinkedHashMap<>();
    groupOf.forEach((m, g) -> by.computeIfAbsent(g, k -> new TreeSet<>()).add(m));
    return Set.copyOf(by.values());
  }
}
