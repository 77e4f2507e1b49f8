package io.imapsync.imap.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses one framed response (see {@link ImapFrameDecoder}) into an {@link ImapResponse}. Holds
 * no state between frames. Methods are named after the RFC 9051 rules they read. Nesting depth
 * is bounded by {@link ImapLimits#maxNestingDepth()}; anything we cannot model but that is
 * well-framed becomes {@link ImapResponse.Unknown}, never an error.
 */
public final class ImapResponseParser {

  private final ImapLimits limits;
  private final int copyLimit;

  public ImapResponseParser(ImapLimits limits) {
    this(limits, COPY_LIMIT);
  }

  /** For tests: {@code copyLimit} 0 makes every direct frame be read in place. */
  ImapResponseParser(ImapLimits limits, int copyLimit) {
    this.limits = limits;
    this.copyLimit = copyLimit;
  }

  public ImapResponseParser() {
    this(ImapLimits.DEFAULTS);
  }

  /** Parses a frame; does not release it. */
  public ImapResponse parse(ByteBuf frame) {
    Cursor c = new Cursor(frame, limits, copyLimit);
    return c.response();
  }

  /**
   * Frames up to this size that are not heap buffers are copied once into an array before
   * parsing. Byte-at-a-time reads of a direct {@code ByteBuf} are several times slower than array
   * reads (on JDK 25 Netty runs without Unsafe, so each goes through {@code ByteBuffer}'s bounds
   * and memory-session checks), and a response line is read byte by byte: copying doubled the
   * throughput on flag updates and ENVELOPE/BODYSTRUCTURE lines (ImapDecodeBenchmark). Larger
   * frames are nearly always literal octets, which are copied in bulk anyway; copying them first
   * cost about a fifth of the throughput on 20 KB BODY[] frames, so they are read in place (and a
   * 64 MiB message is never held twice over).
   */
  static final int COPY_LIMIT = 8 * 1024;

  /** A read position over one frame: in an array when it has one or is small, else in the ByteBuf. */
  static final class Cursor {
    private final ByteBuf buf;
    /** The frame's octets at {@code arr[i - arrBase]} for buffer index i, or null to read {@link #buf}. */
    private final byte[] arr;
    private final int arrBase;
    private final ImapLimits limits;
    private int pos;
    private final int end;
    private int depth;

    Cursor(ByteBuf buf, ImapLimits limits, int copyLimit) {
      this.buf = buf;
      this.limits = limits;
      this.pos = buf.readerIndex();
      this.end = buf.writerIndex();
      if (buf.hasArray()) {
        this.arr = buf.array();
        this.arrBase = -buf.arrayOffset();
      } else if (end - pos <= copyLimit) {
        this.arr = new byte[end - pos];
        buf.getBytes(pos, arr);
        this.arrBase = pos;
      } else {
        this.arr = null;
        this.arrBase = 0;
      }
    }

    private byte at(int i) {
      return arr != null ? arr[i - arrBase] : buf.getByte(i);
    }

    private String string(int start, int length, java.nio.charset.Charset charset) {
      return arr != null ? new String(arr, start - arrBase, length, charset) : buf.toString(start, length, charset);
    }

    private void copy(int start, byte[] dst) {
      if (arr != null) {
        System.arraycopy(arr, start - arrBase, dst, 0, dst.length);
      } else {
        buf.getBytes(start, dst);
      }
    }

    // response = *(continue-req / response-data) response-done
    ImapResponse response() {
      byte first = peek();
      if (first == '+') {
        pos++;
        skipOptionalSpace();
        return new ImapResponse.Continuation(restOfLine());
      }
      if (first == '*') {
        pos++;
        expect(' ');
        return responseData();
      }
      String tag = atom();
      expect(' ');
      String cond = keyword().toUpperCase(Locale.ROOT);
      Condition condition = switch (cond) {
        case "OK" -> Condition.OK;
        case "NO" -> Condition.NO;
        case "BAD" -> Condition.BAD;
        default -> throw error("tagged response with condition '" + Printable.of(cond, 16) + "'");
      };
      skipOptionalSpace();
      ResponseCode code = respTextCode();
      return new ImapResponse.Tagged(tag, condition, code, restOfLine());
    }

    // response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
    //                 capability-data / enable-data) CRLF
    private ImapResponse responseData() {
      int start = pos;
      if (isDigit(peek())) {
        long n = number();
        expect(' ');
        String kind = keyword().toUpperCase(Locale.ROOT);
        return switch (kind) {
          case "EXISTS" -> new ImapResponse.Exists(n);
          case "RECENT" -> new ImapResponse.Recent(n);
          case "EXPUNGE" -> new ImapResponse.Expunge(n);
          case "FETCH" -> {
            expect(' ');
            yield new ImapResponse.Fetch(n, msgAtt());
          }
          default -> unknown(start);
        };
      }
      String kind = keyword().toUpperCase(Locale.ROOT);
      switch (kind) {
        case "OK", "NO", "BAD", "PREAUTH", "BYE" -> {
          skipOptionalSpace();
          ResponseCode code = respTextCode();
          return new ImapResponse.Status(Condition.valueOf(kind), code, restOfLine());
        }
        case "CAPABILITY" -> {
          return new ImapResponse.Capabilities(atomsToEnd());
        }
        case "ENABLED" -> {
          return new ImapResponse.Enabled(atomsToEnd());
        }
        case "FLAGS" -> {
          expect(' ');
          return new ImapResponse.Flags(flagList());
        }
        case "SEARCH" -> {
          return search();
        }
        case "ESEARCH" -> {
          return esearch();
        }
        case "THREAD" -> {
          return new ImapResponse.Thread(ThreadTree.parseAll(restOfLine()));
        }
        case "VANISHED" -> {
          expect(' ');
          boolean earlier = false;
          if (peek() == '(') {
            ImapValue v = value();
            earlier = v instanceof ImapValue.ListValue l && !l.items().isEmpty()
                && "EARLIER".equalsIgnoreCase(l.items().get(0).text());
            expect(' ');
          }
          return new ImapResponse.Vanished(earlier, UidSet.parse(atom()));
        }
        case "STATUS" -> {
          expect(' ');
          String mailbox = astring();
          skipOptionalSpace();
          Map<String, Long> attrs = new LinkedHashMap<>();
          List<ImapValue> items = list().items();
          for (int i = 0; i + 1 < items.size(); i += 2) {
            if (!(items.get(i) instanceof ImapValue.Atom name)) {
              throw error("STATUS attribute name must be an atom");
            }
            attrs.put(name.value().toUpperCase(Locale.ROOT), parseLong(items.get(i + 1).text()));
          }
          return new ImapResponse.MailboxStatus(mailbox, attrs);
        }
        case "LIST", "LSUB", "XLIST" -> {
          expect(' ');
          List<String> attributes = flagList();
          expect(' ');
          ImapValue delim = value();
          expect(' ');
          String mailbox = astring();
          return new ImapResponse.ListEntry(kind.equals("LSUB"), attributes, delim.text(), mailbox);
        }
        case "NAMESPACE" -> {
          expect(' ');
          ImapValue p = value();
          expect(' ');
          ImapValue o = value();
          expect(' ');
          ImapValue s = value();
          return new ImapResponse.Namespace(p, o, s);
        }
        case "ID" -> {
          expect(' ');
          ImapValue v = value();
          Map<String, String> fields = new LinkedHashMap<>();
          if (v instanceof ImapValue.ListValue l) {
            for (int i = 0; i + 1 < l.items().size(); i += 2) {
              fields.put(l.items().get(i).text(), l.items().get(i + 1).text());
            }
          }
          return new ImapResponse.Id(fields);
        }
        default -> {
          return unknown(start);
        }
      }
    }

    private ImapResponse unknown(int start) {
      pos = start;
      return new ImapResponse.Unknown(Printable.of(restOfLine(), 512));
    }

    // resp-text-code, inside "[" ... "]"; returns null when there is none
    private ResponseCode respTextCode() {
      if (pos >= end || peek() != '[') {
        return null;
      }
      pos++;
      String name = atomUntil(']').toUpperCase(Locale.ROOT);
      String arg = "";
      if (peek() == ' ') {
        pos++;
        int s = pos;
        int nesting = 0;
        while (pos < end) {
          byte b = at(pos);
          if (b == '(') {
            nesting++;
          } else if (b == ')') {
            nesting--;
          } else if (b == ']' && nesting <= 0) {
            break;
          } else if (b == '\r' || b == '\n') {
            throw error("unterminated response code");
          }
          pos++;
        }
        arg = string(s, pos - s, StandardCharsets.UTF_8);
      }
      expect(']');
      skipOptionalSpace();
      return responseCode(name, arg);
    }

    private ResponseCode responseCode(String name, String arg) {
      return switch (name) {
        case "UIDVALIDITY" -> new ResponseCode.UidValidity(parseLong(arg));
        case "UIDNEXT" -> new ResponseCode.UidNext(parseLong(arg));
        case "HIGHESTMODSEQ" -> new ResponseCode.HighestModSeq(parseLong(arg));
        case "NOMODSEQ" -> new ResponseCode.NoModSeq();
        case "UNSEEN" -> new ResponseCode.Unseen(parseLong(arg));
        case "PERMANENTFLAGS" -> new ResponseCode.PermanentFlags(splitFlags(arg));
        case "READ-ONLY" -> new ResponseCode.ReadOnly();
        case "READ-WRITE" -> new ResponseCode.ReadWrite();
        case "CLOSED" -> new ResponseCode.Closed();
        case "ALERT" -> new ResponseCode.Alert();
        case "TRYCREATE" -> new ResponseCode.TryCreate();
        case "NOTIFICATIONOVERFLOW" -> new ResponseCode.NotificationOverflow();
        case "CAPABILITY" -> new ResponseCode.Capability(splitAtoms(arg));
        case "COPYUID" -> {
          String[] p = arg.split(" ");
          if (p.length != 3) {
            throw error("COPYUID needs 3 arguments");
          }
          yield new ResponseCode.CopyUid(parseLong(p[0]), p[1], p[2]);
        }
        case "APPENDUID" -> {
          String[] p = arg.split(" ");
          if (p.length != 2) {
            throw error("APPENDUID needs 2 arguments");
          }
          yield new ResponseCode.AppendUid(parseLong(p[0]), p[1]);
        }
        default -> new ResponseCode.Other(name, arg);
      };
    }

    // msg-att = "(" (msg-att-dynamic / msg-att-static) *(SP (msg-att-dynamic / msg-att-static)) ")"
    private FetchData msgAtt() {
      expect('(');
      long uid = -1;
      List<String> flags = null;
      long modSeq = -1;
      String internalDate = null;
      long size = -1;
      ImapValue envelope = null;
      ImapValue bodyStructure = null;
      Map<String, byte[]> bodies = null;
      long gmMsgId = -1;
      long gmThrId = -1;
      List<String> gmLabels = null;
      String emailId = null;
      String threadId = null;
      while (peek() != ')') {
        String name = fetchAttName();
        expect(' ');
        String upper = name.toUpperCase(Locale.ROOT);
        switch (upper) {
          case "UID" -> uid = number();
          case "FLAGS" -> flags = flagList();
          case "MODSEQ" -> {
            expect('(');
            modSeq = number();
            expect(')');
          }
          case "INTERNALDATE" -> internalDate = value().text();
          case "RFC822.SIZE" -> size = number();
          case "ENVELOPE" -> envelope = value();
          case "BODYSTRUCTURE" -> bodyStructure = value();
          case "X-GM-MSGID" -> gmMsgId = unsigned64(atom());
          case "X-GM-THRID" -> gmThrId = unsigned64(atom());
          case "X-GM-LABELS" -> gmLabels = flagList();
          case "EMAILID", "THREADID" -> {
            ImapValue v = value();
            String id = v instanceof ImapValue.ListValue l && !l.items().isEmpty()
                ? l.items().get(0).text() : v.text();
            if (upper.equals("EMAILID")) {
              emailId = id;
            } else {
              threadId = id;
            }
          }
          default -> {
            ImapValue v = value();
            if (upper.startsWith("BODY[") || upper.startsWith("BINARY[") || upper.equals("RFC822")
                || upper.equals("RFC822.HEADER") || upper.equals("RFC822.TEXT")) {
              // nstring: an atom or list here is not "no body", it is a broken response
              byte[] octets = switch (v) {
                case ImapValue.Str s -> s.bytes();
                case ImapValue.Nil n -> null;
                default -> throw error(Printable.of(name, 64) + " must be a string or NIL");
              };
              if (bodies == null) {
                bodies = new HashMap<>(4);
              }
              bodies.put(normalizeSection(name), octets);
            } else if (upper.equals("BODY")) {
              bodyStructure = v; // non-extensible BODY
            }
          }
        }
        if (peek() == ' ') {
          pos++;
        }
      }
      expect(')');
      return new FetchData(uid, flags, modSeq, internalDate, size, envelope, bodyStructure, bodies,
          gmMsgId, gmThrId, gmLabels, emailId, threadId);
    }

    /** Section names are case-insensitive outside header field names; origin kept as sent. */
    private static String normalizeSection(String name) {
      int bracket = name.indexOf('[');
      if (bracket < 0) {
        return name.toUpperCase(Locale.ROOT);
      }
      return name.substring(0, bracket).toUpperCase(Locale.ROOT) + name.substring(bracket);
    }

    // fetch-att name, including a bracketed section and <origin>
    private String fetchAttName() {
      int s = pos;
      while (pos < end) {
        byte b = at(pos);
        if (b == '[') {
          int nesting = 0;
          while (pos < end) {
            byte c = at(pos);
            if (c == '(') {
              nesting++;
              checkDepth(nesting);
            } else if (c == ')') {
              nesting--;
            } else if (c == ']' && nesting == 0) {
              break;
            } else if (c == '\r' || c == '\n') {
              throw error("unterminated section in FETCH");
            }
            pos++;
          }
          expect(']');
          if (pos < end && at(pos) == '<') {
            while (pos < end && at(pos) != '>') {
              pos++;
            }
            expect('>');
          }
          break;
        }
        if (b == ' ' || b == '(' || b == ')' || b == '\r' || b == '\n') {
          break;
        }
        pos++;
      }
      if (pos == s) {
        throw error("expected a FETCH item name");
      }
      // ASCII by the grammar; decoded as UTF-8 like all text, so stray 8-bit octets read the same
      // whether the frame is parsed from an array or in place (Netty's and the JDK's US-ASCII
      // decoders disagree on them: found by ImapDecoderFuzzTest)
      return string(s, pos - s, StandardCharsets.UTF_8);
    }

    private ImapResponse search() {
      List<Long> numbers = new ArrayList<>();
      long modSeq = -1;
      while (peek() == ' ') {
        pos++;
        if (isLineEnd(peek())) {
          break; // some servers send "* SEARCH " with a trailing space
        }
        if (peek() == '(') {
          ImapValue v = value();
          if (v instanceof ImapValue.ListValue l && l.items().size() == 2) {
            modSeq = parseLong(l.items().get(1).text());
          }
        } else {
          numbers.add(number());
        }
      }
      long[] arr = new long[numbers.size()];
      for (int i = 0; i < arr.length; i++) {
        arr[i] = numbers.get(i);
      }
      return new ImapResponse.Search(arr, modSeq);
    }

    // esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
    private ImapResponse esearch() {
      String tag = null;
      boolean uid = false;
      Map<String, String> data = new LinkedHashMap<>();
      while (peek() == ' ') {
        pos++;
        if (isLineEnd(peek())) {
          break;
        }
        if (peek() == '(') {
          ImapValue v = value();
          if (v instanceof ImapValue.ListValue l && l.items().size() == 2) {
            tag = l.items().get(1).text();
          }
          continue;
        }
        String name = atom().toUpperCase(Locale.ROOT);
        if (name.equals("UID")) {
          uid = true;
          continue;
        }
        expect(' ');
        ImapValue v = value();
        data.put(name, v instanceof ImapValue.ListValue ? render(v) : v.text());
      }
      return new ImapResponse.ESearch(tag, uid, data);
    }

    private Set<String> atomsToEnd() {
      Set<String> out = new LinkedHashSet<>();
      while (peek() == ' ') {
        pos++;
        if (isLineEnd(peek())) {
          break;
        }
        out.add(atom().toUpperCase(Locale.ROOT));
      }
      return out;
    }

    // flag-list = "(" [flag *(SP flag)] ")"
    private List<String> flagList() {
      expect('(');
      List<String> flags = new ArrayList<>();
      while (peek() != ')') {
        if (peek() == ' ') {
          pos++;
          continue;
        }
        ImapValue v = value();
        String t = v.text();
        if (t != null) {
          flags.add(t);
        }
      }
      expect(')');
      return flags;
    }

    /** Any value: atom, number, quoted, literal, NIL or a parenthesised list (depth-bounded). */
    ImapValue value() {
      byte b = peek();
      if (b == '(') {
        return list();
      }
      if (b == '"') {
        return new ImapValue.Str(quoted(), false);
      }
      if (b == '{' || isLiteral8Start(b)) {
        return literal();
      }
      String a = atom();
      if (a.equalsIgnoreCase("NIL")) {
        return ImapValue.NIL;
      }
      return new ImapValue.Atom(a);
    }

    private ImapValue.ListValue list() {
      expect('(');
      depth++;
      checkDepth(depth);
      List<ImapValue> items = new ArrayList<>();
      while (peek() != ')') {
        if (peek() == ' ') {
          pos++;
          continue;
        }
        items.add(value());
      }
      expect(')');
      depth--;
      return new ImapValue.ListValue(items);
    }

    private void checkDepth(int d) {
      if (d > limits.maxNestingDepth()) {
        throw new ImapLimitExceededException("nesting depth", d, limits.maxNestingDepth());
      }
    }

    // astring = 1*ASTRING-CHAR / string
    String astring() {
      byte b = peek();
      if (b == '"') {
        return new String(quoted(), StandardCharsets.UTF_8);
      }
      if (b == '{' || isLiteral8Start(b)) {
        return literal().utf8();
      }
      return atom();
    }

    private boolean isLiteral8Start(byte b) {
      return b == '~' && pos + 1 < end && at(pos + 1) == '{';
    }

    // quoted = DQUOTE *QUOTED-CHAR DQUOTE
    private byte[] quoted() {
      expect('"');
      // Fast path: no backslash before the closing quote, so the octets are copied as they are.
      for (int i = pos; i < end; i++) {
        byte b = at(i);
        if (b == '"') {
          byte[] octets = new byte[i - pos];
          copy(pos, octets);
          pos = i + 1;
          return octets;
        }
        if (b == '\\' || b == '\r' || b == '\n' || b == 0) {
          break; // escapes, or an error the slow path reports at its position
        }
      }
      var out = new java.io.ByteArrayOutputStream();
      while (true) {
        byte b = next();
        if (b == '"') {
          return out.toByteArray();
        }
        if (b == '\\') {
          b = next();
        }
        if (b == '\r' || b == '\n') {
          throw error("unterminated quoted string");
        }
        if (b == 0) {
          throw error("NUL octet in quoted string");
        }
        out.write(b);
      }
    }

    // literal = "{" number64 "}" CRLF *CHAR8 ; literal8 = "~{" number64 "}" CRLF *OCTET
    private ImapValue.Str literal() {
      boolean binary = false;
      if (peek() == '~') {
        binary = true;
        pos++;
      }
      expect('{');
      long n = number();
      expect('}');
      if (peek() == '\r') {
        pos++;
      }
      expect('\n');
      if (n > end - pos) {
        throw error("literal of " + n + " octets overruns the frame");
      }
      byte[] bytes = new byte[(int) n];
      copy(pos, bytes);
      pos += (int) n;
      return new ImapValue.Str(bytes, binary);
    }

    /**
     * An atom (leniently: also the ASTRING-CHARs '[' and ']', so "[Gmail]/Sent" reads as one):
     * everything up to SP, parens, quote, '{' or line end.
     */
    private String atom() {
      return atom(false);
    }

    /** A response keyword (OK, FETCH, ...): an atom that also stops at '[' ("OK[ALERT]"). */
    private String keyword() {
      return atom(true);
    }

    private String atom(boolean stopAtBracket) {
      int s = pos;
      while (pos < end) {
        byte b = at(pos);
        if (b == ' ' || b == '(' || b == ')' || b == '"' || b == '\r' || b == '\n' || b == '{'
            || (stopAtBracket && b == '[')) {
          break;
        }
        if (b == 0) {
          throw error("NUL octet in response line");
        }
        pos++;
      }
      if (pos == s) {
        throw error("expected an atom");
      }
      return string(s, pos - s, StandardCharsets.UTF_8);
    }

    private String atomUntil(char stop) {
      int s = pos;
      while (pos < end) {
        byte b = at(pos);
        if (b == ' ' || b == stop || b == '\r' || b == '\n') {
          break;
        }
        pos++;
      }
      if (pos == s) {
        throw error("expected a response code");
      }
      // ASCII by the grammar; decoded as UTF-8 like all text, so stray 8-bit octets read the same
      // whether the frame is parsed from an array or in place (Netty's and the JDK's US-ASCII
      // decoders disagree on them: found by ImapDecoderFuzzTest)
      return string(s, pos - s, StandardCharsets.UTF_8);
    }

    // number64 = 1*DIGIT ; unsigned 63-bit integer
    private long number() {
      int s = pos;
      long v = 0;
      while (pos < end && isDigit(at(pos))) {
        int d = at(pos) - '0';
        if (v > (Long.MAX_VALUE - d) / 10) {
          throw error("number too large");
        }
        v = v * 10 + d;
        pos++;
      }
      if (pos == s) {
        throw error("expected a number");
      }
      return v;
    }

    private String restOfLine() {
      int s = pos;
      int e = pos;
      while (e < end && at(e) != '\r' && at(e) != '\n') {
        if (at(e) == 0) {
          throw error("NUL octet in response text");
        }
        e++;
      }
      pos = e;
      return string(s, e - s, StandardCharsets.UTF_8);
    }

    private void skipOptionalSpace() {
      if (pos < end && at(pos) == ' ') {
        pos++;
      }
    }

    private byte peek() {
      if (pos >= end) {
        throw error("response ended early");
      }
      return at(pos);
    }

    private byte next() {
      byte b = peek();
      pos++;
      return b;
    }

    private void expect(char c) {
      byte b = peek();
      if (b != c) {
        throw error("expected '" + c + "' but found " + describe(b));
      }
      pos++;
    }

    private ImapSyntaxException error(String what) {
      return new ImapSyntaxException(what + " at offset " + (pos - buf.readerIndex())
          + " in: " + Printable.of(buf.toString(buf.readerIndex(),
              Math.min(200, end - buf.readerIndex()), StandardCharsets.ISO_8859_1), 200));
    }

    private static String describe(byte b) {
      return b >= 0x21 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xff);
    }

    private static boolean isDigit(byte b) {
      return b >= '0' && b <= '9';
    }

    private static boolean isLineEnd(byte b) {
      return b == '\r' || b == '\n';
    }
  }

  /** An unsigned number (RFC 9051 number64); no sign, which Long.parseLong would accept. */
  static long parseLong(String s) {
    String t = s == null ? "" : s.trim();
    boolean digits = !t.isEmpty() && t.length() <= 19;
    for (int i = 0; digits && i < t.length(); i++) {
      digits = t.charAt(i) >= '0' && t.charAt(i) <= '9';
    }
    if (!digits) {
      throw new ImapSyntaxException("expected a number, got '" + Printable.of(String.valueOf(s), 32) + "'");
    }
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new ImapSyntaxException("expected a number, got '" + Printable.of(t, 32) + "'");
    }
  }

  /** A value back in IMAP syntax (for list-valued data kept as text, e.g. ESEARCH PARTIAL). */
  static String render(ImapValue v) {
    return switch (v) {
      case ImapValue.Atom a -> a.value();
      case ImapValue.Nil n -> "NIL";
      case ImapValue.Str str -> {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : str.utf8().toCharArray()) {
          if (c == '"' || c == '\\') {
            sb.append('\\');
          }
          sb.append(c);
        }
        yield sb.append('"').toString();
      }
      case ImapValue.ListValue l -> {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < l.items().size(); i++) {
          if (i > 0) {
            sb.append(' ');
          }
          sb.append(render(l.items().get(i)));
        }
        yield sb.append(')').toString();
      }
    };
  }

  /** Gmail ids are unsigned 64-bit; kept in a long's bits. */
  static long unsigned64(String s) {
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      throw new ImapSyntaxException("expected an unsigned 64-bit number, got '" + Printable.of(s, 32) + "'");
    }
  }

  static List<String> splitFlags(String arg) {
    String a = arg.trim();
    if (a.startsWith("(") && a.endsWith(")")) {
      a = a.substring(1, a.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String f : a.split(" ")) {
      if (!f.isEmpty()) {
        out.add(f);
      }
    }
    return out;
  }

  static Set<String> splitAtoms(String arg) {
    Set<String> out = new LinkedHashSet<>();
    for (String f : arg.split(" ")) {
      if (!f.isEmpty()) {
        out.add(f.toUpperCase(Locale.ROOT));
      }
    }
    return out;
  }
}
