package io.imapsync.loadsim;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Writes the message at (user, folder, UID) on demand, the same bytes every time for the same
 * inputs: correspondence of 2 to 4 KB with realistic headers (Received, Date, From, To, sometimes
 * Cc, Subject, Message-ID, and on about four in ten In-Reply-To and References pointing at an
 * earlier initial message of the same folder, so conversations form), text/plain 7bit.
 *
 * <p>A delivered message also carries {@value Stamps#HEADER} (its delivery stamp) and a
 * Message-ID made unique per delivery by that stamp; an initial message's Message-ID is unique
 * per UIDVALIDITY. Nothing is stored: a FETCH builds the bytes and drops them.
 */
final class MessageGenerator {
  static final DateTimeFormatter RFC5322 =
      DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  private static final String[] FIRST = {
      "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj",
      "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yasmin", "Zoe", "Amir", "Bea", "Chen",
      "Dana", "Emeka", "Fatima", "Goran", "Hana", "Ines", "Jonas", "Kofi"};
  private static final String[] LAST = {
      "Smith", "Jones", "Garcia", "Müller", "Rossi", "Novak", "Tanaka", "Okafor", "Silva", "Dubois", "Kowalski",
      "Larsen", "Nguyen", "Haddad", "Ivanova", "Moreau"};
  private static final String[] DOMAINS = {
      "example.com", "example.org", "example.net", "mail.example.com", "corp.example", "lists.example.org",
      "partner.example", "customer.example"};
  private static final String[] TOPICS = {
      "Quarterly planning", "Budget review", "Release 4.2 checklist", "Offsite agenda", "Contract renewal",
      "On-call handover", "Design review notes", "Invoice 2024-117", "Hiring loop feedback", "Customer escalation",
      "Roadmap draft", "Security audit findings", "Team lunch Friday", "Migration plan", "Weekly status",
      "Incident follow-up", "Conference travel", "Vendor comparison", "Onboarding docs", "Test results"};
  private static final String[] WORDS = {
      "the", "plan", "we", "agreed", "on", "numbers", "for", "next", "quarter", "and", "owners", "dates", "review",
      "please", "check", "attached", "figures", "before", "meeting", "thanks", "update", "from", "team", "about",
      "release", "schedule", "risk", "budget", "customer", "feedback", "should", "could", "would", "think", "ready",
      "merge", "deploy", "rollback", "notes", "draft", "final", "version", "this", "that", "with", "without", "also",
      "soon", "today", "tomorrow", "week", "month", "issue", "ticket", "question", "answer", "detail", "summary"};

  private final Population population;
  private final Corpus corpus;

  /** With a {@code corpus} (or null), messages come from it instead of being written here. */
  MessageGenerator(Population population, Corpus corpus) {
    this.population = population;
    this.corpus = corpus;
  }

  /** {@code <i...>} for an initial message, {@code <d...>} for a delivered one (stamp ≠ 0). */
  String messageId(int user, int folder, int uid, long stampMicros) {
    String kind = stampMicros == 0 ? "i" + population.uidValidity(folder) : "d" + stampMicros;
    return "<" + kind + "." + uid + "." + folder + "." + population.userName(user) + "@" + Population.DOMAIN + ">";
  }

  /**
   * The message at {@code uid}; {@code stampMicros} is 0 for an initial message, else its delivery
   * stamp, and {@code dateSeconds} its INTERNALDATE (the Date header too).
   */
  Message generate(int user, int folder, int uid, long stampMicros, long dateSeconds) {
    if (corpus != null) {
      long offset = Long.remainderUnsigned(population.hash(user, folder, 0, 31), corpus.size());
      return corpus.message(offset, uid, stampMicros, stampMicros == 0 ? null : messageId(user, folder, uid, stampMicros),
          population.userName(user) + " " + population.folderName(folder) + " " + uid);
    }
    long h = population.hash(user, folder, uid, 11);
    String userName = population.userName(user);
    int initial = population.initialCount(folder);
    // A reply refers to an earlier initial message (it exists unless expunged): conversations.
    int parent = 0;
    if (uid > 1 && initial > 0 && Long.remainderUnsigned(h, 10) < 4) {
      parent = 1 + (int) Long.remainderUnsigned(h >>> 8, Math.min(uid - 1, initial));
    }
    int root = parent == 0 ? uid : rootOf(user, folder, parent);
    String topic = TOPICS[(int) Long.remainderUnsigned(population.hash(user, folder, root, 12), TOPICS.length)];
    String subject = (parent == 0 ? "" : "Re: ") + topic + " #" + (root % 1000);
    long ch = population.hash(user, folder, root, 13);
    Address peer = person(ch);
    Address me = new Address("User " + userName.substring(population.prefix.length()), userName, Population.DOMAIN);
    boolean sent = "\\Sent".equals(population.specialUse(folder));
    Address from = sent ? me : peer;
    Address to = sent ? peer : me;
    Address cc = Long.remainderUnsigned(h >>> 16, 5) == 0 ? person(h >>> 24) : null;
    String date = RFC5322.format(Instant.ofEpochSecond(dateSeconds));
    String messageId = messageId(user, folder, uid, stampMicros);
    String inReplyTo = parent == 0 ? null : messageId(user, folder, parent, 0);

    StringBuilder sb = new StringBuilder(4096);
    sb.append("Return-Path: <").append(from.mailbox).append('@').append(from.host).append(">\r\n");
    sb.append("Delivered-To: ").append(userName).append('@').append(Population.DOMAIN).append("\r\n");
    sb.append("Received: from mail.").append(from.host).append(" (mail.").append(from.host).append(" [192.0.2.")
        .append(1 + Long.remainderUnsigned(ch >>> 8, 250)).append("])\r\n\tby mx.").append(Population.DOMAIN)
        .append(" with ESMTPS id ").append(Long.toHexString(h)).append(";\r\n\t").append(date).append("\r\n");
    sb.append("Date: ").append(date).append("\r\n");
    sb.append("From: ");
    appendAddress(sb, from);
    sb.append("\r\nTo: ");
    appendAddress(sb, to);
    if (cc != null) {
      sb.append("\r\nCc: ");
      appendAddress(sb, cc);
    }
    sb.append("\r\nSubject: ").append(subject).append("\r\n");
    sb.append("Message-ID: ").append(messageId).append("\r\n");
    if (inReplyTo != null) {
      sb.append("In-Reply-To: ").append(inReplyTo).append("\r\nReferences: ").append(inReplyTo).append("\r\n");
    }
    sb.append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 7bit\r\n");
    if (stampMicros != 0) {
      sb.append(Stamps.HEADER).append(": ").append(stampMicros).append("\r\n");
    }
    sb.append("X-Loadsim-Origin: ").append(userName).append(' ').append(population.folderName(folder)).append(' ')
        .append(uid).append("\r\n\r\n");
    int headerLength = sb.length(); // all ASCII so far: chars are octets

    sb.append(parent == 0 ? "Hi " : "Thanks ").append(ascii(to.name.split(" ")[0])).append(",\r\n\r\n");
    int lines = 2;
    int paragraphs = 3 + (int) Long.remainderUnsigned(h >>> 32, 4);
    long w = h;
    for (int p = 0; p < paragraphs; p++) {
      int perParagraph = 5 + (int) Long.remainderUnsigned(w >>> 40, 6);
      for (int l = 0; l < perParagraph; l++) {
        int len = 0;
        int words = 9 + (int) Long.remainderUnsigned(w >>> 3, 4);
        for (int k = 0; k < words; k++) {
          w = Population.mix(w + k + 1);
          String word = WORDS[(int) Long.remainderUnsigned(w, WORDS.length)];
          if (len > 0) {
            sb.append(' ');
            len++;
          }
          sb.append(word);
          len += word.length();
        }
        sb.append(l == perParagraph - 1 ? ".\r\n" : "\r\n");
        lines++;
      }
      sb.append("\r\n");
      lines++;
    }
    if (parent != 0) {
      sb.append("> On an earlier day, ").append(ascii(peer.name)).append(" wrote:\r\n> ").append(topic)
          .append(": see the numbers below.\r\n\r\n");
      lines += 3;
    }
    sb.append("-- \r\n").append(ascii(from.name)).append("\r\n");
    lines += 2;
    // ASCII throughout (names in headers are RFC 2047 words, in the body transliterated), so the
    // 7bit transfer encoding holds and chars are octets.
    byte[] raw = sb.toString().getBytes(StandardCharsets.US_ASCII);
    return new Generated(raw, headerLength, date, subject, from, to, cc, inReplyTo, messageId,
        raw.length - headerLength, lines);
  }

  private static String ascii(String name) {
    return name.replace("ü", "ue");
  }

  private int rootOf(int user, int folder, int uid) {
    int initial = population.initialCount(folder);
    int x = uid;
    while (x > 1) {
      long h = population.hash(user, folder, x, 11);
      if (Long.remainderUnsigned(h, 10) >= 4) {
        break;
      }
      x = 1 + (int) Long.remainderUnsigned(h >>> 8, Math.min(x - 1, initial));
    }
    return x;
  }

  private static Address person(long h) {
    String first = FIRST[(int) Long.remainderUnsigned(h, FIRST.length)];
    String last = LAST[(int) Long.remainderUnsigned(h >>> 12, LAST.length)];
    String host = DOMAINS[(int) Long.remainderUnsigned(h >>> 24, DOMAINS.length)];
    String local = ascii(first + "." + last).toLowerCase(Locale.ROOT);
    return new Address(first + " " + last, local, host);
  }

  /** {@code "Name" <local@host>}, the name as an RFC 2047 word when it is not ASCII. */
  private static void appendAddress(StringBuilder sb, Address a) {
    sb.append(encodedName(a.name)).append(" <").append(a.mailbox).append('@').append(a.host).append('>');
  }

  static String encodedName(String name) {
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) > 0x7e) {
        StringBuilder q = new StringBuilder("=?UTF-8?Q?");
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
          int c = b & 0xff;
          if (c == ' ') {
            q.append('_');
          } else if (c > 0x20 && c < 0x7f && c != '=' && c != '?' && c != '_') {
            q.append((char) c);
          } else {
            q.append('=').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
          }
        }
        return q.append("?=").toString();
      }
    }
    return "\"" + name + "\"";
  }

  record Address(String name, String mailbox, String host) {}

  private record Generated(byte[] raw, int headerLength, String date, String subject, Address from, Address to,
      Address cc, String inReplyTo, String messageId, int bodySize, int bodyLines) implements Message {
    @Override
    public String envelope() {
      StringBuilder sb = new StringBuilder(400).append('(');
      ImapStrings.nstring(sb, date);
      sb.append(' ');
      ImapStrings.nstring(sb, subject);
      sb.append(' ');
      addresses(sb, from); // from, sender and reply-to are the same person
      sb.append(' ');
      addresses(sb, from);
      sb.append(' ');
      addresses(sb, from);
      sb.append(' ');
      addresses(sb, to);
      sb.append(' ');
      addresses(sb, cc);
      sb.append(" NIL ");
      ImapStrings.nstring(sb, inReplyTo);
      sb.append(' ');
      ImapStrings.nstring(sb, messageId);
      return sb.append(')').toString();
    }

    private static void addresses(StringBuilder sb, Address a) {
      if (a == null) {
        sb.append("NIL");
        return;
      }
      sb.append("((");
      ImapStrings.nstring(sb, encodedName(a.name).replace("\"", ""));
      sb.append(" NIL ");
      ImapStrings.nstring(sb, a.mailbox);
      sb.append(' ');
      ImapStrings.nstring(sb, a.host);
      sb.append("))");
    }

    @Override
    public byte[] section(String part) {
      return part.equals("1") ? java.util.Arrays.copyOfRange(raw, headerLength, raw.length) : null;
    }

    @Override
    public String bodyStructure(boolean extended) {
      String basic = "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"UTF-8\") NIL NIL \"7BIT\" " + bodySize + " " + bodyLines;
      return basic + (extended ? " NIL NIL NIL NIL)" : ")");
    }
  }
}
