package io.imapsync.loadsim;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One client connection: the IMAP session state (not authenticated, authenticated, selected,
 * idling) and the commands, answered on the connection's event loop. One object per connection
 * holds everything (a few dozen bytes of fields) and no buffer survives a read: responses go
 * into one pooled buffer per read, flushed when the read completes.
 *
 * <p>The selected folder's changes reach the session through its <em>view</em>: the UIDNEXT and
 * the MODSEQs it has told the client about. Before and after each command (and at once while
 * idling) the difference is sent as EXPUNGE, EXISTS and FETCH (FLAGS) responses, like a real
 * server; EXPUNGE waits while a command uses sequence numbers (FETCH, STORE, SEARCH), and new
 * messages are not announced while expunges wait, so sequence numbers stay the client's.
 */
final class ServerSession extends ChannelInboundHandlerAdapter {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ServerSession.class);
  static final String CAPABILITIES = "IMAP4rev1 IDLE CONDSTORE ENABLE UIDPLUS SPECIAL-USE LITERAL+ ID AUTH=PLAIN";
  private static final int WRITE_CHUNK = 64 * 1024;
  private static final int[] NONE = new int[0];

  private final ServerContext cx;
  private ChannelHandlerContext ctx;
  /** Responses of the current read, written on read complete (or sooner when large). */
  private ByteBuf out;
  private ServerContext.Mode mode = ServerContext.Mode.NORMAL;
  /** 1-based user index once logged in, else 0. */
  private volatile int user;
  private Folder selected;
  private boolean readOnly;
  private boolean condstore;
  private int seenUidNext;
  private long seenFlagModSeq;
  private long seenExpungeModSeq;
  private String idleTag;
  private volatile boolean idling;
  private volatile boolean pushScheduled;
  private String authTag;

  ServerSession(ServerContext cx) {
    this.cx = cx;
  }

  int user() {
    return user;
  }

  // ---- channel events ------------------------------------------------------------------------

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    cx.stats.accepted(ctx.channel().localAddress());
    cx.channels.add(ctx.channel());
    if (cx.refuseConnections) {
      ctx.close();
      return;
    }
    if (cx.silentAccept) {
      mode = ServerContext.Mode.STALL;
      return;
    }
    ctx.writeAndFlush(ascii(ctx, "* OK [CAPABILITY " + CAPABILITIES + "] imap-sync load simulator ready\r\n"));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (mode != ServerContext.Mode.NORMAL) {
        return; // stalled or blackholed: whatever was read is dropped unanswered
      }
      if (msg == CommandFrameDecoder.CONTINUE) {
        write("+ Ready for literal data\r\n");
      } else if (msg instanceof CommandFrameDecoder.LiteralRefused r) {
        write(r.tag() + " BAD [TOOBIG] literal of " + r.size() + " octets exceeds the allowed maximum ("
            + r.maximum() + ")\r\n");
      } else if (msg instanceof ByteBuf frame) {
        onFrame(frame);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (out != null) {
      ByteBuf b = out;
      out = null;
      ctx.writeAndFlush(b);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (out != null) {
      out.release();
      out = null;
    }
    if (idling) {
      idling = false;
      cx.stats.idleEnded(user);
    }
    deselect();
    if (user != 0) {
      cx.stats.loggedOut(user);
      user = 0;
    }
    cx.stats.closed();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CommandFrameDecoder.FrameTooLargeException && ctx.channel().isActive()) {
      ctx.writeAndFlush(ascii(ctx, "* BYE " + cause.getMessage() + "\r\n")).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (!(cause instanceof IOException)) {
      log.warn("closing a connection after an unexpected error", cause);
      ctx.writeAndFlush(ascii(ctx, "* BYE internal error: " + cause.getClass().getSimpleName() + "\r\n"))
          .addListener(ChannelFutureListener.CLOSE);
      return;
    }
    ctx.close();
  }

  // ---- called from other threads --------------------------------------------------------------

  /** The selected folder changed: an idling session is told at once, any other on its next command. */
  void folderChanged() {
    if (!idling || pushScheduled) {
      return;
    }
    pushScheduled = true;
    try {
      ctx.channel().eventLoop().execute(this::push);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the simulator is closing: nobody is left to tell
    }
  }

  /**
   * Stall, blackhole or release this connection, on its event loop; the caller waits for the
   * returned future, since a task queued there may run after input that arrived later.
   */
  io.netty.util.concurrent.Future<?> setMode(ServerContext.Mode m) {
    return ctx.channel().eventLoop().submit(() -> {
      mode = m;
      ctx.channel().config().setAutoRead(m != ServerContext.Mode.BLACKHOLE);
    });
  }

  private void push() {
    pushScheduled = false;
    if (!idling || mode != ServerContext.Mode.NORMAL || selected == null || !ctx.channel().isActive()) {
      return;
    }
    flush(true);
    if (out != null) {
      ByteBuf b = out;
      out = null;
      ctx.writeAndFlush(b);
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  /** A completion that is not OK: thrown to end a command with {@code text} ("NO ...", "BAD ..."). */
  private static final class Reply extends RuntimeException {
    final String text;

    Reply(String text) {
      super(text, null, false, false);
      this.text = text;
    }
  }

  private void onFrame(ByteBuf frame) {
    if (idleTag != null) {
      boolean done = CommandParser.line(frame).equalsIgnoreCase("DONE");
      endIdle(done ? "OK IDLE terminated" : "BAD expected DONE");
      return;
    }
    if (authTag != null) {
      String tag = authTag;
      authTag = null;
      String reply = authenticatePlain(CommandParser.line(frame));
      if (reply != null) {
        tagged(tag, reply);
      }
      return;
    }
    Command c;
    try {
      c = CommandParser.parse(frame);
    } catch (CommandSyntaxException e) {
      tagged(CommandParser.tagOf(frame), "BAD " + e.getMessage());
      return;
    }
    execute(c);
  }

  private void execute(Command c) {
    String name = c.name();
    boolean seqNumbers = name.equals("FETCH") || name.equals("STORE") || name.equals("SEARCH");
    String done;
    try {
      if (selected != null && (seqNumbers || name.startsWith("UID "))) {
        flush(!seqNumbers);
      }
      done = switch (name) {
        case "CAPABILITY" -> {
          c.requireArgs(0, 0);
          write("* CAPABILITY " + CAPABILITIES + "\r\n");
          yield "OK CAPABILITY completed";
        }
        case "NOOP", "CHECK" -> "OK " + name + " completed";
        case "LOGOUT" -> logout(c);
        case "ID" -> {
          write("* ID (\"name\" \"imap-sync-loadsim\" \"vendor\" \"imap-sync\")\r\n");
          yield "OK ID completed";
        }
        case "LOGIN" -> {
          c.requireArgs(2, 2);
          yield login(c.astring(0), c.astring(1));
        }
        case "AUTHENTICATE" -> authenticate(c);
        case "STARTTLS" -> "BAD STARTTLS is not offered";
        case "ENABLE" -> enable(c);
        case "SELECT" -> select(c, false);
        case "EXAMINE" -> select(c, true);
        case "STATUS" -> status(c);
        case "LIST" -> list(c, false);
        case "LSUB" -> list(c, true);
        case "NAMESPACE" -> {
          requireAuth();
          write("* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
          yield "OK NAMESPACE completed";
        }
        case "IDLE" -> idle(c);
        case "SUBSCRIBE", "UNSUBSCRIBE" -> {
          requireAuth();
          yield "OK " + name + " completed (every folder is subscribed)";
        }
        case "CREATE", "DELETE", "RENAME", "APPEND" -> {
          requireAuth();
          yield "NO [CANNOT] the load simulator has a fixed set of folders and messages";
        }
        case "FETCH" -> fetch(c, false);
        case "UID FETCH" -> fetch(c, true);
        case "SEARCH" -> search(c, false);
        case "UID SEARCH" -> search(c, true);
        case "STORE" -> store(c, false);
        case "UID STORE" -> store(c, true);
        case "EXPUNGE" -> expunge(c, false);
        case "UID EXPUNGE" -> expunge(c, true);
        case "CLOSE", "UNSELECT" -> close(c);
        case "COPY", "MOVE", "UID COPY", "UID MOVE" -> {
          requireSelected();
          yield "NO [CANNOT] the load simulator does not copy or move messages";
        }
        default -> "BAD unknown command " + (name.length() > 40 ? name.substring(0, 40) : name);
      };
    } catch (Reply r) {
      done = r.text;
    } catch (CommandSyntaxException e) {
      done = "BAD " + e.getMessage();
    } catch (SearchKeys.BadCharsetException e) {
      done = "NO [BADCHARSET (UTF-8 US-ASCII)] unsupported charset";
    }
    if (done == null) {
      return; // answered already (LOGOUT, IDLE, AUTHENTICATE) or never (stalled)
    }
    if (selected != null && mode == ServerContext.Mode.NORMAL) {
      flush(!seqNumbers);
    }
    tagged(c.tag(), done);
  }

  private void requireAuth() {
    if (user == 0) {
      throw new Reply("BAD log in first");
    }
  }

  private void requireSelected() {
    requireAuth();
    if (selected == null) {
      throw new Reply("BAD no mailbox selected");
    }
  }

  private String logout(Command c) {
    c.requireArgs(0, 0);
    write("* BYE imap-sync load simulator logging out\r\n");
    tagged(c.tag(), "OK LOGOUT completed");
    ByteBuf b = out;
    out = null;
    ctx.writeAndFlush(b).addListener(ChannelFutureListener.CLOSE);
    mode = ServerContext.Mode.STALL; // commands pipelined after LOGOUT get no answer
    return null;
  }

  // ---- authentication ------------------------------------------------------------------------

  private String login(String name, String password) {
    if (user != 0) {
      throw new Reply("BAD already logged in");
    }
    Population p = cx.population;
    int u = p.userIndex(name);
    if (u < 0 || !password.equals(cx.password)) {
      cx.stats.failedLogins.increment();
      return "NO [AUTHENTICATIONFAILED] invalid credentials";
    }
    if (!p.owns(u)) {
      cx.stats.refusedLogins.increment();
      return "NO [UNAVAILABLE] " + name + " is served by load simulator process " + ((u - 1) % p.processCount)
          + " of " + p.processCount;
    }
    if (cx.refuseLogins.test(name)) {
      cx.stats.refusedLogins.increment();
      return "NO [UNAVAILABLE] logins are refused for now (load simulator)";
    }
    user = u;
    cx.stats.loggedIn(u);
    ServerContext.Mode m = cx.modeOf(u);
    if (m != ServerContext.Mode.NORMAL) {
      mode = m;
      ctx.channel().config().setAutoRead(m != ServerContext.Mode.BLACKHOLE);
      return null;
    }
    return "OK [CAPABILITY " + CAPABILITIES + "] logged in";
  }

  private String authenticate(Command c) {
    c.requireArgs(1, 2);
    if (user != 0) {
      throw new Reply("BAD already logged in");
    }
    if (!c.astring(0).equalsIgnoreCase("PLAIN")) {
      return "NO [CANNOT] only PLAIN is offered";
    }
    if (c.args().size() == 2) {
      return authenticatePlain(c.astring(1)); // SASL-IR style initial response
    }
    authTag = c.tag();
    write("+ \r\n");
    return null;
  }

  /** RFC 4616: base64 of authzid NUL authcid NUL password; "*" cancels, "=" is empty. */
  private String authenticatePlain(String response) {
    if (response.equals("*")) {
      return "BAD authentication cancelled";
    }
    byte[] decoded;
    try {
      decoded = response.equals("=") ? new byte[0] : Base64.getDecoder().decode(response);
    } catch (IllegalArgumentException e) {
      return "BAD invalid base64";
    }
    String[] parts = new String(decoded, StandardCharsets.UTF_8).split("\0", -1);
    if (parts.length != 3) {
      return "BAD malformed PLAIN response";
    }
    if (!parts[0].isEmpty() && !parts[0].equals(parts[1])) {
      return "NO [AUTHORIZATIONFAILED] cannot act as another user";
    }
    return login(parts[1], parts[2]);
  }

  private String enable(Command c) {
    requireAuth();
    if (c.args().isEmpty()) {
      throw new CommandSyntaxException("ENABLE needs at least one capability");
    }
    StringBuilder enabled = new StringBuilder("* ENABLED");
    for (int i = 0; i < c.args().size(); i++) {
      if (c.atom(i).is("CONDSTORE")) {
        condstore = true;
        enabled.append(" CONDSTORE");
      }
    }
    write(enabled.append("\r\n"));
    return "OK ENABLE completed";
  }

  // ---- mailboxes -----------------------------------------------------------------------------

  private String select(Command c, boolean examine) {
    requireAuth();
    c.requireArgs(1, 2);
    String name = c.astring(0);
    boolean condstoreParam = false;
    if (c.args().size() == 2) {
      if (!(c.arg(1) instanceof Command.ListArg params)) {
        throw new CommandSyntaxException("SELECT parameters must be a list");
      }
      for (Command.Arg a : params.items()) {
        if (a instanceof Command.Atom atom && atom.is("CONDSTORE")) {
          condstoreParam = true;
        } else {
          throw new CommandSyntaxException("SELECT parameter " + a.text() + " is not offered (no QRESYNC)");
        }
      }
    }
    deselect(); // a SELECT that fails leaves no mailbox selected (RFC 9051 §6.3.2)
    int fi = cx.population.folderIndex(name);
    if (fi < 0) {
      return "NO [NONEXISTENT] no such folder";
    }
    if (condstoreParam) {
      condstore = true;
    }
    Folder f = cx.store.folder(user, fi);
    int exists;
    int firstUnseen;
    int uidNext;
    long highest;
    synchronized (f) {
      f.watch(this); // in the same critical section as the snapshot: no change falls in between
      selected = f;
      readOnly = examine;
      exists = f.count();
      firstUnseen = f.firstUnseen();
      uidNext = f.uidNext();
      highest = f.highestModSeq();
      seenUidNext = uidNext;
      seenFlagModSeq = highest;
      seenExpungeModSeq = highest;
    }
    StringBuilder sb = new StringBuilder(400);
    sb.append("* FLAGS (").append(Flag.ALL_IMAP).append(")\r\n");
    sb.append("* OK [PERMANENTFLAGS (").append(examine ? "" : Flag.ALL_IMAP).append(")] flags permitted\r\n");
    sb.append("* ").append(exists).append(" EXISTS\r\n* 0 RECENT\r\n");
    if (firstUnseen >= 0) {
      sb.append("* OK [UNSEEN ").append(firstUnseen + 1).append("] first unseen\r\n");
    }
    sb.append("* OK [UIDVALIDITY ").append(f.uidValidity()).append("] UIDs valid\r\n");
    sb.append("* OK [UIDNEXT ").append(uidNext).append("] predicted next UID\r\n");
    sb.append("* OK [HIGHESTMODSEQ ").append(highest).append("] highest\r\n");
    write(sb);
    return (examine ? "OK [READ-ONLY] EXAMINE" : "OK [READ-WRITE] SELECT") + " completed";
  }

  private void deselect() {
    Folder f = selected;
    if (f != null) {
      synchronized (f) {
        f.unwatch(this);
      }
      selected = null;
    }
  }

  private String close(Command c) {
    requireSelected();
    c.requireArgs(0, 0);
    if (c.name().equals("CLOSE") && !readOnly) {
      expungeDeleted(null, false); // silently: no EXPUNGE responses to this session
    }
    deselect();
    return "OK " + c.name() + " completed";
  }

  private String status(Command c) {
    requireAuth();
    c.requireArgs(2, 2);
    String name = c.astring(0);
    if (!(c.arg(1) instanceof Command.ListArg items) || items.items().isEmpty()) {
      throw new CommandSyntaxException("STATUS needs a list of items");
    }
    int fi = cx.population.folderIndex(name);
    if (fi < 0) {
      return "NO [NONEXISTENT] no such folder";
    }
    Folder f = cx.store.peek(user, fi);
    int messages;
    int uidNext;
    int unseen;
    long highest;
    synchronized (f) {
      messages = f.count();
      uidNext = f.uidNext();
      unseen = f.unseen();
      highest = f.highestModSeq();
    }
    StringBuilder sb = new StringBuilder("* STATUS ").append(ImapStrings.quoted(cx.population.folderName(fi))).append(" (");
    boolean first = true;
    for (Command.Arg a : items.items()) {
      String item = a.text().toUpperCase(Locale.ROOT);
      long value = switch (item) {
        case "MESSAGES" -> messages;
        case "UIDNEXT" -> uidNext;
        case "UIDVALIDITY" -> f.uidValidity();
        case "UNSEEN" -> unseen;
        case "RECENT" -> 0;
        case "HIGHESTMODSEQ" -> highest;
        default -> throw new CommandSyntaxException("unknown STATUS item " + a.text());
      };
      if (item.equals("HIGHESTMODSEQ")) {
        condstore = true; // RFC 7162 §3.1: a CONDSTORE-enabling command
      }
      sb.append(first ? "" : " ").append(item).append(' ').append(value);
      first = false;
    }
    write(sb.append(")\r\n"));
    return "OK STATUS completed";
  }

  /**
   * LIST [selection-options] reference mailbox-pattern(s) [RETURN (options)] (RFC 5258, 6154).
   * Folders are flat; every folder is subscribed and reports its special use.
   */
  private String list(Command c, boolean lsub) {
    requireAuth();
    int i = 0;
    boolean specialUseOnly = false;
    boolean subscribed = lsub;
    if (!lsub && c.arg(0) instanceof Command.ListArg selection) {
      for (Command.Arg a : selection.items()) {
        String opt = a.text().toUpperCase(Locale.ROOT);
        if (opt.equals("SPECIAL-USE")) {
          specialUseOnly = true;
        } else if (opt.equals("SUBSCRIBED")) {
          subscribed = true;
        } else if (!opt.equals("REMOTE") && !opt.equals("RECURSIVEMATCH")) {
          throw new CommandSyntaxException("unknown LIST selection option " + a.text());
        }
      }
      i++;
    }
    String reference = c.astring(i);
    List<String> patterns = new ArrayList<>();
    if (c.arg(i + 1) instanceof Command.ListArg many) {
      for (Command.Arg a : many.items()) {
        patterns.add(a.text());
      }
    } else {
      patterns.add(c.astring(i + 1));
    }
    if (c.args().size() > i + 2) {
      if (lsub || !(c.arg(i + 2) instanceof Command.Atom ret) || !ret.is("RETURN") || c.args().size() != i + 4
          || !(c.arg(i + 3) instanceof Command.ListArg)) {
        throw new CommandSyntaxException("unexpected LIST arguments");
      }
      // RETURN (SPECIAL-USE / SUBSCRIBED / CHILDREN): special-use and \HasNoChildren are always given.
    }
    String verb = lsub ? "LSUB" : "LIST";
    StringBuilder sb = new StringBuilder();
    if (patterns.size() == 1 && patterns.get(0).isEmpty()) {
      sb.append("* ").append(verb).append(" (\\Noselect) \"/\" \"\"\r\n");
    }
    Population p = cx.population;
    for (int fi = 0; fi < p.folderCount(); fi++) {
      String folder = p.folderName(fi);
      boolean matched = false;
      for (String pattern : patterns) {
        matched |= !pattern.isEmpty() && matches(reference + pattern, folder);
      }
      if (!matched || (specialUseOnly && p.specialUse(fi) == null)) {
        continue;
      }
      sb.append("* ").append(verb).append(" (\\HasNoChildren");
      if (subscribed && !lsub) {
        sb.append(" \\Subscribed");
      }
      if (p.specialUse(fi) != null) {
        sb.append(' ').append(p.specialUse(fi));
      }
      sb.append(") \"/\" ").append(ImapStrings.quoted(folder)).append("\r\n");
    }
    write(sb);
    return "OK " + verb + " completed";
  }

  /** {@code *} matches anything, {@code %} anything but the delimiter; INBOX in any case. */
  static boolean matches(String pattern, String folder) {
    StringBuilder re = new StringBuilder();
    for (int k = 0; k < pattern.length(); k++) {
      char ch = pattern.charAt(k);
      if (ch == '*') {
        re.append(".*");
      } else if (ch == '%') {
        re.append("[^/]*");
      } else {
        re.append(Pattern.quote(String.valueOf(ch)));
      }
    }
    int flags = folder.equals("INBOX") ? Pattern.CASE_INSENSITIVE : 0;
    return Pattern.compile(re.toString(), flags).matcher(folder).matches();
  }

  // ---- IDLE ----------------------------------------------------------------------------------

  private String idle(Command c) {
    requireAuth();
    c.requireArgs(0, 0);
    idleTag = c.tag();
    idling = true;
    cx.stats.idleStarted(user);
    write("+ idling\r\n");
    if (selected != null) {
      flush(true);
    }
    return null;
  }

  private void endIdle(String result) {
    String tag = idleTag;
    idleTag = null;
    idling = false;
    cx.stats.idleEnded(user);
    tagged(tag, result);
  }

  // ---- the view: EXPUNGE, EXISTS, FETCH FLAGS ------------------------------------------------

  /**
   * Tells the client what changed in the selected folder since it was last told. With
   * {@code allowExpunge} false (during FETCH, STORE, SEARCH) expunges wait, and so do new
   * messages while expunges wait, so the client's sequence numbers keep their meaning.
   */
  private void flush(boolean allowExpunge) {
    Folder f = selected;
    StringBuilder sb = null;
    synchronized (f) {
      if (f.highestModSeq() == seenFlagModSeq && f.highestModSeq() == seenExpungeModSeq) {
        return; // every change bumps HIGHESTMODSEQ: nothing happened
      }
      int[] pending = f.expungedSince(seenExpungeModSeq, seenUidNext);
      if (pending.length > 0 && allowExpunge) {
        sb = new StringBuilder();
        // Highest first: removing a message renumbers only those after it, which are gone already.
        for (int k = pending.length - 1; k >= 0; k--) {
          sb.append("* ").append(f.countBelow(pending[k]) + k + 1).append(" EXPUNGE\r\n");
        }
        pending = NONE;
      }
      int oldUidNext = seenUidNext;
      if (pending.length == 0) {
        seenExpungeModSeq = f.highestModSeq();
        if (f.uidNext() > seenUidNext) {
          int fresh = f.count() - f.countBelow(seenUidNext);
          seenUidNext = f.uidNext();
          if (fresh > 0) {
            sb = sb == null ? new StringBuilder() : sb;
            sb.append("* ").append(f.count()).append(" EXISTS\r\n");
          }
        }
      }
      if (f.highestModSeq() > seenFlagModSeq) {
        int below = f.countBelow(oldUidNext);
        for (int i = 0; i < below; i++) {
          long m = f.modSeqAt(i);
          if (m > seenFlagModSeq) {
            int uid = f.uidAt(i);
            sb = sb == null ? new StringBuilder() : sb;
            sb.append("* ").append(i + 1 + countLess(pending, uid)).append(" FETCH (UID ").append(uid)
                .append(" FLAGS (").append(Flag.imapList(f.flagsAt(i))).append(')');
            if (condstore) {
              sb.append(" MODSEQ (").append(m).append(')');
            }
            sb.append(")\r\n");
          }
        }
        seenFlagModSeq = f.highestModSeq();
      }
    }
    if (sb != null) {
      write(sb);
    }
  }

  private static int countLess(int[] sorted, int value) {
    int n = 0;
    while (n < sorted.length && sorted[n] < value) {
      n++;
    }
    return n;
  }

  /**
   * The messages of {@code set} in the view, under the folder's lock: for UIDs, live messages
   * the client has been told of; for sequence numbers, the view including expunged messages not
   * yet reported (those are skipped). Throws BAD for sequence numbers beyond the view.
   */
  private Snapshot choose(Folder f, NumberSet set, boolean uidMode, long changedSince, int[] pending) {
    Snapshot snap = new Snapshot();
    int liveBelow = f.countBelow(seenUidNext);
    if (uidMode) {
      long largest = Math.max(liveBelow > 0 ? f.uidAt(liveBelow - 1) : 0, pending.length > 0 ? pending[pending.length - 1] : 0);
      NumberSet.Resolved r = set.resolve(largest);
      if (r.isEmpty()) {
        return snap;
      }
      // Walk only the UIDs inside each range: a small UID set in a big folder stays cheap.
      for (int k = 0; k < r.starts().length; k++) {
        for (int i = f.countBelow(r.starts()[k]); i < liveBelow && f.uidAt(i) <= r.ends()[k]; i++) {
          if (f.modSeqAt(i) > changedSince) {
            snap.add(i + 1 + countLess(pending, f.uidAt(i)), f, i);
          }
        }
      }
      return snap;
    }
    int viewSize = liveBelow + pending.length;
    NumberSet.Resolved r = set.resolve(viewSize);
    if (!r.isEmpty() && r.ends()[r.ends().length - 1] > viewSize) {
      throw new Reply("BAD no such message (sequence number " + r.ends()[r.ends().length - 1] + " > " + viewSize + ")");
    }
    int p = 0;
    int seq = 0;
    for (int i = 0; i < liveBelow; i++) {
      int uid = f.uidAt(i);
      while (p < pending.length && pending[p] < uid) {
        p++;
        seq++;
      }
      seq++;
      if (r.contains(seq) && f.modSeqAt(i) > changedSince) {
        snap.add(seq, f, i);
      }
    }
    return snap;
  }

  // ---- FETCH ---------------------------------------------------------------------------------

  private String fetch(Command c, boolean uidMode) {
    requireSelected();
    c.requireArgs(2, 3);
    NumberSet set = NumberSet.parse(c.atom(0).text());
    List<FetchItems.Item> items = FetchItems.parse(c.arg(1));
    long changedSince = -1;
    if (c.args().size() == 3) {
      if (!(c.arg(2) instanceof Command.ListArg mods) || mods.items().size() != 2
          || !(mods.items().get(0) instanceof Command.Atom m) || !m.is("CHANGEDSINCE")) {
        throw new CommandSyntaxException("the only FETCH modifier offered is (CHANGEDSINCE n)");
      }
      changedSince = modSeqArg(mods.items().get(1));
    }
    boolean wantUid = uidMode || items.contains(FetchItems.Attr.UID);
    boolean wantModSeq = items.contains(FetchItems.Attr.MODSEQ) || changedSince >= 0;
    if (wantModSeq) {
      condstore = true;
    }
    boolean wantFlags = items.contains(FetchItems.Attr.FLAGS);
    boolean setsSeen = false;
    boolean needsMessage = false;
    for (FetchItems.Item it : items) {
      if (it instanceof FetchItems.Section s) {
        setsSeen |= s.setsSeen() && !readOnly;
        needsMessage = true;
      } else if (it == FetchItems.Attr.RFC822_SIZE || it == FetchItems.Attr.ENVELOPE || it == FetchItems.Attr.BODY
          || it == FetchItems.Attr.BODYSTRUCTURE) {
        needsMessage = true;
      }
    }
    Folder f = selected;
    Snapshot snap;
    boolean[] seenNow = null;
    ServerSession[] watchers;
    synchronized (f) {
      int[] pending = f.expungedSince(seenExpungeModSeq, seenUidNext);
      snap = choose(f, set, uidMode, changedSince, pending);
      if (setsSeen) {
        seenNow = new boolean[snap.size];
        for (int k = 0; k < snap.size; k++) {
          if ((snap.flags[k] & Flag.SEEN.bit()) == 0) {
            int i = f.indexOf(snap.uid[k]);
            snap.flags[k] |= (byte) Flag.SEEN.bit();
            snap.modSeq[k] = f.store(i, snap.flags[k]);
            seenNow[k] = true;
          }
        }
      }
      watchers = f.watchers();
    }
    if (seenNow != null) {
      for (int k = 0; k < snap.size; k++) {
        if (seenNow[k]) {
          cx.store.flagsChanged(user, f.index, snap.uid[k], snap.modSeq[k], snap.flags[k], Stamps.nowMicros(),
              watchers, this, Change.Origin.CLIENT);
        }
      }
    }
    for (int k = 0; k < snap.size; k++) {
      Message m = needsMessage ? message(f.index, snap.uid[k], snap.stamp[k]) : null;
      StringBuilder sb = new StringBuilder(128).append("* ").append(snap.seq[k]).append(" FETCH (");
      String sep = "";
      if (wantUid) {
        sb.append("UID ").append(snap.uid[k]);
        sep = " ";
      }
      if (!wantFlags && seenNow != null && seenNow[k]) {
        sb.append(sep).append("FLAGS (").append(Flag.imapList(snap.flags[k])).append(')');
        sep = " ";
      }
      if (changedSince >= 0 && !items.contains(FetchItems.Attr.MODSEQ)) {
        sb.append(sep).append("MODSEQ (").append(snap.modSeq[k]).append(')');
        sep = " ";
      }
      for (FetchItems.Item it : items) {
        if (it == FetchItems.Attr.UID) {
          continue;
        }
        sb.append(sep);
        sep = " ";
        if (it instanceof FetchItems.Section s) {
          byte[] octets = FetchItems.extract(s, m);
          sb.append(s.responseName()).append(" {").append(octets.length).append("}\r\n");
          write(sb);
          sb.setLength(0);
          writeBytes(octets);
          continue;
        }
        switch ((FetchItems.Attr) it) {
          case FLAGS -> sb.append("FLAGS (").append(Flag.imapList(snap.flags[k])).append(')');
          case MODSEQ -> sb.append("MODSEQ (").append(snap.modSeq[k]).append(')');
          case INTERNALDATE -> sb.append("INTERNALDATE \"").append(FetchItems.internalDate(dateSeconds(f.index,
              snap.uid[k], snap.stamp[k]))).append('"');
          case RFC822_SIZE -> sb.append("RFC822.SIZE ").append(m.raw().length);
          case ENVELOPE -> sb.append("ENVELOPE ").append(m.envelope());
          case BODY -> sb.append("BODY ").append(m.bodyStructure(false));
          case BODYSTRUCTURE -> sb.append("BODYSTRUCTURE ").append(m.bodyStructure(true));
          case UID -> { }
        }
      }
      write(sb.append(")\r\n"));
    }
    return "OK " + c.name() + " completed";
  }

  private Message message(int folder, int uid, long stamp) {
    return cx.generator.generate(user, folder, uid, stamp, dateSeconds(folder, uid, stamp));
  }

  private long dateSeconds(int folder, int uid, long stamp) {
    return stamp != 0 ? stamp / 1_000_000 : cx.population.initialInternalDateSeconds(user, folder, uid);
  }

  private static long modSeqArg(Command.Arg a) {
    String s = a.text();
    if (s.isEmpty() || s.length() > 19 || !s.chars().allMatch(Character::isDigit)) {
      throw new CommandSyntaxException("bad mod-sequence " + s);
    }
    return Long.parseLong(s);
  }

  // ---- SEARCH --------------------------------------------------------------------------------

  private String search(Command c, boolean uidMode) {
    requireSelected();
    if (!c.args().isEmpty() && c.arg(0) instanceof Command.Atom a && a.is("RETURN")) {
      throw new CommandSyntaxException("SEARCH RETURN is not offered (no ESEARCH)");
    }
    SearchKeys.Parsed parsed = SearchKeys.parse(c.args(), 0);
    if (parsed.modSeq()) {
      condstore = true;
    }
    Folder f = selected;
    Snapshot snap;
    synchronized (f) {
      int[] pending = f.expungedSince(seenExpungeModSeq, seenUidNext);
      int liveBelow = f.countBelow(seenUidNext);
      long largestUid = Math.max(liveBelow > 0 ? f.uidAt(liveBelow - 1) : 0,
          pending.length > 0 ? pending[pending.length - 1] : 0);
      for (SearchKeys.InSet s : parsed.sets()) {
        s.resolved()[0] = s.set().resolve(s.uid() ? largestUid : liveBelow + pending.length);
      }
      snap = choose(f, NumberSet.parse("1:*"), true, -1, pending);
    }
    StringBuilder sb = new StringBuilder("* SEARCH");
    long maxModSeq = 0;
    Cand cand = new Cand(f.index, snap);
    for (int k = 0; k < snap.size; k++) {
      cand.k = k;
      cand.message = null;
      if (parsed.key().matches(cand)) {
        sb.append(' ').append(uidMode ? snap.uid[k] : snap.seq[k]);
        maxModSeq = Math.max(maxModSeq, snap.modSeq[k]);
      }
    }
    if (parsed.modSeq() && maxModSeq > 0) {
      sb.append(" (MODSEQ ").append(maxModSeq).append(')');
    }
    write(sb.append("\r\n"));
    return "OK " + c.name() + " completed";
  }

  /** One snapshot entry as search sees it; the message is generated at most once, if asked for. */
  private final class Cand implements SearchKeys.Candidate {
    final int folder;
    final Snapshot s;
    int k;
    Message message;

    Cand(int folder, Snapshot s) {
      this.folder = folder;
      this.s = s;
    }

    public int seq() {
      return s.seq[k];
    }

    public long uid() {
      return s.uid[k];
    }

    public int flags() {
      return s.flags[k];
    }

    public long modSeq() {
      return s.modSeq[k];
    }

    public long dateSeconds() {
      return ServerSession.this.dateSeconds(folder, s.uid[k], s.stamp[k]);
    }

    public Message message() {
      if (message == null) {
        message = ServerSession.this.message(folder, s.uid[k], s.stamp[k]);
      }
      return message;
    }
  }

  // ---- STORE, EXPUNGE ------------------------------------------------------------------------

  /** STORE set [(UNCHANGEDSINCE n)] ("+" / "-") "FLAGS" [".SILENT"] (flag-list / flag *(SP flag)) */
  private String store(Command c, boolean uidMode) {
    requireSelected();
    if (readOnly) {
      return "NO [READ-ONLY] the mailbox is read-only";
    }
    NumberSet set = NumberSet.parse(c.atom(0).text());
    int i = 1;
    long unchangedSince = -1;
    if (c.arg(1) instanceof Command.ListArg mods) {
      if (mods.items().size() != 2 || !(mods.items().get(0) instanceof Command.Atom m) || !m.is("UNCHANGEDSINCE")) {
        throw new CommandSyntaxException("the only STORE modifier offered is (UNCHANGEDSINCE n)");
      }
      unchangedSince = modSeqArg(mods.items().get(1));
      condstore = true;
      i = 2;
    }
    String item = c.atom(i).upper();
    boolean silent = item.endsWith(".SILENT");
    String op = silent ? item.substring(0, item.length() - 7) : item;
    if (!op.equals("FLAGS") && !op.equals("+FLAGS") && !op.equals("-FLAGS")) {
      throw new CommandSyntaxException("unknown STORE item " + item);
    }
    int bits = 0;
    List<Command.Arg> flagArgs = c.args().subList(i + 1, c.args().size());
    if (flagArgs.size() == 1 && flagArgs.get(0) instanceof Command.ListArg list) {
      flagArgs = list.items();
    } else if (flagArgs.isEmpty()) {
      throw new CommandSyntaxException("STORE needs flags");
    }
    for (Command.Arg a : flagArgs) {
      Flag fl = Flag.fromImap(a.text());
      if (fl != null) {
        bits |= fl.bit(); // keywords and \Recent are not kept: PERMANENTFLAGS says so
      }
    }
    Folder f = selected;
    Snapshot snap;
    long[] changedModSeq;
    long[] modified = new long[4];
    int modifiedCount = 0;
    ServerSession[] watchers;
    synchronized (f) {
      int[] pending = f.expungedSince(seenExpungeModSeq, seenUidNext);
      snap = choose(f, set, uidMode, -1, pending);
      changedModSeq = new long[snap.size];
      for (int k = 0; k < snap.size; k++) {
        changedModSeq[k] = -1;
        if (unchangedSince >= 0 && snap.modSeq[k] > unchangedSince) {
          if (modifiedCount == modified.length) {
            modified = java.util.Arrays.copyOf(modified, modifiedCount * 2);
          }
          modified[modifiedCount++] = uidMode ? snap.uid[k] : snap.seq[k];
          snap.seq[k] = -snap.seq[k]; // marks "not stored"
          continue;
        }
        int old = snap.flags[k];
        int now = switch (op) {
          case "FLAGS" -> bits;
          case "+FLAGS" -> old | bits;
          default -> old & ~bits;
        };
        long m = f.store(f.indexOf(snap.uid[k]), now);
        snap.flags[k] = (byte) now;
        if (m >= 0) {
          snap.modSeq[k] = m;
          changedModSeq[k] = m;
        }
      }
      watchers = f.watchers();
    }
    StringBuilder sb = new StringBuilder();
    for (int k = 0; k < snap.size; k++) {
      if (changedModSeq[k] >= 0) {
        cx.store.flagsChanged(user, f.index, snap.uid[k], changedModSeq[k], snap.flags[k], Stamps.nowMicros(), watchers,
            this, Change.Origin.CLIENT);
      }
      if (snap.seq[k] < 0 || (silent && !(condstore && changedModSeq[k] >= 0))) {
        continue;
      }
      sb.append("* ").append(snap.seq[k]).append(" FETCH (");
      if (uidMode) {
        sb.append("UID ").append(snap.uid[k]).append(' ');
      }
      sb.append("FLAGS (").append(Flag.imapList(snap.flags[k])).append(')');
      if (condstore) {
        sb.append(" MODSEQ (").append(snap.modSeq[k]).append(')');
      }
      sb.append(")\r\n");
    }
    write(sb);
    if (modifiedCount > 0) {
      java.util.Arrays.sort(modified, 0, modifiedCount);
      return "OK [MODIFIED " + NumberSet.Resolved.format(modified, modifiedCount) + "] conditional STORE failed for some";
    }
    return "OK " + c.name() + " completed";
  }

  private String expunge(Command c, boolean uidMode) {
    requireSelected();
    if (readOnly) {
      return "NO [READ-ONLY] the mailbox is read-only";
    }
    c.requireArgs(uidMode ? 1 : 0, uidMode ? 1 : 0);
    expungeDeleted(uidMode ? NumberSet.parse(c.atom(0).text()) : null, true);
    return "OK " + c.name() + " completed"; // the EXPUNGE responses come with the flush after it
  }

  /** Expunges \Deleted messages (those in {@code uids}, if given) and tells the other sessions. */
  private void expungeDeleted(NumberSet uids, boolean selfToo) {
    Folder f = selected;
    long[] gone = new long[8];
    long[] modSeqs = new long[8];
    long[] stamps = new long[8];
    int n = 0;
    ServerSession[] watchers;
    synchronized (f) {
      NumberSet.Resolved r = uids == null ? null : uids.resolve(f.count() > 0 ? f.uidAt(f.count() - 1) : 0);
      for (int i = f.count() - 1; i >= 0; i--) {
        if ((f.flagsAt(i) & Flag.DELETED.bit()) != 0 && (r == null || r.contains(f.uidAt(i)))) {
          if (n == gone.length) {
            gone = java.util.Arrays.copyOf(gone, n * 2);
            modSeqs = java.util.Arrays.copyOf(modSeqs, n * 2);
            stamps = java.util.Arrays.copyOf(stamps, n * 2);
          }
          gone[n] = f.uidAt(i);
          stamps[n] = Stamps.nowMicros();
          modSeqs[n] = f.expungeAt(i);
          n++;
        }
      }
      if (!selfToo) {
        // CLOSE: this session goes away and must not be told; catch its view up.
        seenExpungeModSeq = f.highestModSeq();
      }
      watchers = f.watchers();
    }
    for (int k = 0; k < n; k++) {
      cx.store.expunged(user, f.index, gone[k], modSeqs[k], stamps[k], watchers, this, Change.Origin.CLIENT);
    }
  }

  // ---- output --------------------------------------------------------------------------------

  private void tagged(String tag, String text) {
    if (mode != ServerContext.Mode.NORMAL) {
      return;
    }
    write(tag + " " + text + "\r\n");
  }

  private void write(CharSequence s) {
    if (s.isEmpty()) {
      return;
    }
    ByteBuf b = buffer(s.length());
    b.writeCharSequence(s, StandardCharsets.ISO_8859_1);
    spill();
  }

  private void writeBytes(byte[] bytes) {
    buffer(bytes.length).writeBytes(bytes);
    spill();
  }

  private ByteBuf buffer(int hint) {
    if (out == null) {
      out = ctx.alloc().buffer(Math.max(256, Math.min(hint, WRITE_CHUNK)));
    }
    return out;
  }

  /** Hands a large response to the channel in chunks instead of growing one buffer without end. */
  private void spill() {
    if (out.readableBytes() >= WRITE_CHUNK) {
      ByteBuf b = out;
      out = null;
      ctx.write(b);
    }
  }

  private static ByteBuf ascii(ChannelHandlerContext ctx, String s) {
    ByteBuf b = ctx.alloc().buffer(s.length());
    b.writeCharSequence(s, StandardCharsets.US_ASCII);
    return b;
  }
}
