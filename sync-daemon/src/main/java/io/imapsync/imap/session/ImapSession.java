package io.imapsync.imap.session;

import io.imapsync.imap.protocol.Condition;
import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.ImapCommand;
import io.imapsync.imap.protocol.ImapFrameDecoder;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ImapResponseParser;
import io.imapsync.imap.protocol.Printable;
import io.imapsync.imap.protocol.ResponseCode;
import io.imapsync.metrics.TrafficCounter;
import io.imapsync.runtime.SharedResources;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.compression.JdkZlibDecoder;
import io.netty.handler.codec.compression.JdkZlibEncoder;
import io.netty.handler.codec.compression.ZlibWrapper;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP client connection. Every method may be called from any thread; all state is touched
 * only on the channel's event loop, so there are no locks. Commands are tagged and queued; each
 * returns a future completed by its tagged response. Untagged responses go to the
 * {@link SessionListener} as they arrive, and are also collected for the oldest command in flight.
 *
 * <p>IDLE follows RFC 2177 exactly: no command is written while the server waits for DONE. A
 * command submitted during IDLE makes the session send DONE and then the command right behind it
 * (pipelined: the server reads them in order), so a push costs no extra round trip.
 *
 * <p>STARTTLS never falls back to plaintext, and bytes that arrived before the TLS handshake are
 * discarded (CVE-2020-14954 class). After STARTTLS and authentication the capabilities are
 * refreshed; nothing learned before TLS is trusted.
 */
public final class ImapSession {
  private static final Logger log = LoggerFactory.getLogger(ImapSession.class);
  private static final byte[] DONE = "DONE\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EMPTY_LINE = "\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Channel channel;
  private final SessionListener listener;
  private final ImapEndpoint endpoint;
  private final SessionOptions options;
  private final CompletableFuture<ImapSession> greeted = new CompletableFuture<>();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private final ArrayDeque<Pending> inFlight = new ArrayDeque<>(2);
  private int nextTag;
  private volatile Set<String> capabilities = Set.of();
  private volatile Set<String> enabled = Set.of();
  private volatile boolean compressed;
  private boolean preauth;
  private boolean closed;
  private String byeText;

  /** IDLE sub-state while an IDLE command is in flight. */
  private enum IdleState { NONE, WAITING_FOR_CONTINUATION, IDLING, DONE_SENT }

  private IdleState idleState = IdleState.NONE;
  private boolean doneRequested;

  private static final class Pending {
    final ImapCommand command;
    final CompletableFuture<CommandResult> future = new CompletableFuture<>();
    final List<ImapResponse> untagged = new ArrayList<>();
    /** For AUTHENTICATE: what to answer to a "+" (base64 text in, line out). */
    Function<String, byte[]> onContinuation;
    /** Runs on the event loop at the tagged OK, before any further byte is framed. */
    Runnable onOk;
    /** For IDLE: completed when the server's "+" arrives. */
    CompletableFuture<Void> idleAccepted;
    Duration timeout;
    ScheduledFuture<?> timer;
    String tag;
    int segment;

    Pending(ImapCommand command) {
      this.command = command;
    }

    boolean singleSegment() {
      return command.segments().size() == 1 && onContinuation == null;
    }
  }

  private ImapSession(Channel channel, ImapEndpoint endpoint, SessionOptions options, SessionListener listener) {
    this.channel = channel;
    this.endpoint = endpoint;
    this.options = options;
    this.listener = listener;
  }

  /**
   * Connects and completes once the server's greeting arrived (OK or PREAUTH) and, for
   * {@link Security#STARTTLS}, the TLS upgrade is done.
   */
  public static CompletableFuture<ImapSession> connect(SharedResources resources, ImapEndpoint endpoint,
      SessionListener listener) {
    return connect(resources, endpoint, SessionOptions.DEFAULTS, listener);
  }

  public static CompletableFuture<ImapSession> connect(SharedResources resources, ImapEndpoint endpoint,
      SessionOptions options, SessionListener listener) {
    return connect(resources, resources.eventLoops(), endpoint, options, listener);
  }

  /** As above, with the channel registered on {@code loops} (one event loop: its owner's). */
  public static CompletableFuture<ImapSession> connect(SharedResources resources, EventLoopGroup loops,
      ImapEndpoint endpoint, SessionOptions options, SessionListener listener) {
    CompletableFuture<ImapSession> result = new CompletableFuture<>();
    // Held here, not looked up in the pipeline: a server that greets and hangs up at once can
    // close the channel (emptying its pipeline) before this connect listener runs.
    ImapSessionHandler handler = new ImapSessionHandler(new ImapResponseParser(endpoint.limits()), options.silenceTimeout());
    Bootstrap b = new Bootstrap()
        .group(loops)
        .channel(resources.socketChannelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) endpoint.connectTimeout().toMillis())
        .handler(new ImapChannelInitializer(endpoint, handler, resources.metrics().imap().traffic()));
    ChannelFuture cf = b.connect(endpoint.host(), endpoint.port());
    cf.addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(new ImapConnectException(
            "cannot connect to " + endpoint + ": " + f.cause().getMessage(), f.cause()));
        return;
      }
      Channel ch = cf.channel();
      ImapSession session = new ImapSession(ch, endpoint, options, listener);
      try {
        handler.attach(session);
      } catch (RuntimeException e) {
        // never leave the caller waiting on a failed listener; failed means the socket is closed
        ch.close().addListener(x -> result.completeExceptionally(e));
        return;
      }
      CompletableFuture<ImapSession> ready = endpoint.security() == Security.STARTTLS
          ? session.greeted.thenCompose(s -> s.startTls()) : session.greeted;
      ready.whenComplete((s, e) -> {
        if (e != null) {
          // Failed only once the socket is closed: a caller that reconnects on failure must not
          // hold two connections at once (providers count them per account).
          ch.close().addListener(x -> result.completeExceptionally(e));
        } else {
          result.complete(s);
        }
      });
    });
    return result;
  }

  public ImapEndpoint endpoint() {
    return endpoint;
  }

  public Set<String> capabilities() {
    return capabilities;
  }

  public boolean hasCapability(String name) {
    return capabilities.contains(name.toUpperCase(Locale.ROOT));
  }

  /** Extensions the server confirmed with {@code * ENABLED}; QRESYNC counts only if listed here. */
  public Set<String> enabled() {
    return enabled;
  }

  public boolean isEnabled(String extension) {
    return enabled.contains(extension.toUpperCase(Locale.ROOT));
  }

  public boolean isCompressed() {
    return compressed;
  }

  public boolean isPreauthenticated() {
    return preauth;
  }

  public boolean isOpen() {
    return channel.isActive() && !closed;
  }

  /** True while the server is in IDLE waiting for our DONE. */
  public boolean isIdling() {
    return idleState == IdleState.IDLING;
  }

  public ImapCommand.LiteralMode literalMode() {
    if (hasCapability("LITERAL+")) {
      return ImapCommand.LiteralMode.LITERAL_PLUS;
    }
    return hasCapability("LITERAL-") ? ImapCommand.LiteralMode.LITERAL_MINUS
        : ImapCommand.LiteralMode.SYNCHRONIZING;
  }

  public ImapCommand.Builder command(String name) {
    return ImapCommand.builder(name, literalMode(), isEnabled("UTF8=ACCEPT"));
  }

  /** Queues a command; the future completes with its result, or fails on NO/BAD, timeout or disconnect. */
  public CompletableFuture<CommandResult> execute(ImapCommand command) {
    return submit(new Pending(command));
  }

  private CompletableFuture<CommandResult> submit(Pending p) {
    if (p.timeout == null) {
      p.timeout = options.commandTimeout();
    }
    channel.eventLoop().execute(() -> enqueue(p));
    return p.future;
  }

  // ---- commands ------------------------------------------------------------------------------

  public CompletableFuture<Set<String>> capability() {
    return execute(command("CAPABILITY").build()).thenApply(r -> capabilities);
  }

  /** LOGIN; the password is sent quoted or as a literal and never logged. Refused in plaintext unless allowed. */
  public CompletableFuture<Void> login(String user, String password) {
    return knownCapabilities().thenCompose(caps -> {
      if (hasCapability("LOGINDISABLED")) {
        return CompletableFuture.failedFuture(new ImapCommandException("LOGIN", Condition.NO, null,
            "the server disabled LOGIN (LOGINDISABLED); use TLS or AUTHENTICATE"));
      }
      ImapCommand c = command("LOGIN").sp().astring(user).sp().astring(password).build();
      return execute(c).thenCompose(this::refreshCapabilitiesUnlessSent);
    });
  }

  /** The capabilities, asking for them first if the greeting did not carry them. */
  public CompletableFuture<Set<String>> knownCapabilities() {
    return capabilities.isEmpty() ? capability() : CompletableFuture.completedFuture(capabilities);
  }

  /**
   * AUTHENTICATE with SASL-IR when the server offers it (one round trip), else the initial
   * response after the first "+". A "+" carrying an error (XOAUTH2 sends JSON there) is answered
   * with an empty line, as the mechanisms require, so the server ends with a tagged NO.
   */
  public CompletableFuture<Void> authenticate(SaslMechanism mechanism) {
    return knownCapabilities().thenCompose(c -> authenticate(mechanism, hasCapability("SASL-IR")));
  }

  /**
   * AUTHENTICATE choosing whether to send the initial response inline. Some servers advertise
   * SASL-IR but reject it for some mechanisms (GreenMail for PLAIN): configure those per host.
   */
  public CompletableFuture<Void> authenticate(SaslMechanism mechanism, boolean initialResponseInline) {
    boolean saslIr = initialResponseInline;
    ImapCommand.Builder b = command("AUTHENTICATE").sp().raw(mechanism.name());
    if (saslIr) {
      b.sp().raw(mechanism.initialResponse());
    }
    Pending p = new Pending(b.build());
    boolean[] sentInitial = {saslIr};
    p.onContinuation = challenge -> {
      if (!sentInitial[0]) {
        sentInitial[0] = true;
        return (mechanism.initialResponse() + "\r\n").getBytes(StandardCharsets.US_ASCII);
      }
      return EMPTY_LINE; // a failure challenge: acknowledge it, the tagged NO follows
    };
    return submit(p).thenCompose(this::refreshCapabilitiesUnlessSent);
  }

  private CompletableFuture<Void> refreshCapabilitiesUnlessSent(CommandResult r) {
    boolean sent = r.tagged().code() instanceof ResponseCode.Capability
        || r.untagged().stream().anyMatch(u -> u instanceof ImapResponse.Capabilities);
    return sent ? CompletableFuture.completedFuture(null) : capability().thenApply(c -> null);
  }

  /** ENABLE (RFC 5161); completes with what the server confirmed in {@code * ENABLED}. */
  public CompletableFuture<Set<String>> enable(String... extensions) {
    ImapCommand.Builder b = command("ENABLE");
    for (String e : extensions) {
      b.sp().raw(e);
    }
    return execute(b.build()).thenApply(r -> {
      Set<String> confirmed = new LinkedHashSet<>(enabled);
      for (ImapResponse u : r.untagged()) {
        if (u instanceof ImapResponse.Enabled e) {
          confirmed.addAll(e.capabilities());
        }
      }
      enabled = Set.copyOf(confirmed);
      return enabled;
    });
  }

  /** ID (RFC 2971): tells the server who we are; returns what it says about itself. */
  public CompletableFuture<Map<String, String>> id(Map<String, String> fields) {
    ImapCommand.Builder b = command("ID").sp();
    if (fields.isEmpty()) {
      b.raw("NIL");
    } else {
      b.raw("(");
      boolean first = true;
      for (var e : fields.entrySet()) {
        if (!first) {
          b.sp();
        }
        first = false;
        b.quoted(e.getKey()).sp().quoted(e.getValue());
      }
      b.raw(")");
    }
    return execute(b.build()).thenApply(r -> r.untagged().stream()
        .filter(u -> u instanceof ImapResponse.Id).map(u -> ((ImapResponse.Id) u).fields())
        .findFirst().orElse(Map.of()));
  }

  /** COMPRESS=DEFLATE (RFC 4978): from the tagged OK on, both directions are raw deflate. */
  public CompletableFuture<Void> compress() {
    Pending p = new Pending(command("COMPRESS").sp().raw("DEFLATE").build());
    p.onOk = this::installCompression;
    return submit(p).thenApply(r -> null);
  }

  public CompletableFuture<SelectedMailbox> select(String mailbox) {
    return open("SELECT", mailbox, SelectOptions.PLAIN);
  }

  public CompletableFuture<SelectedMailbox> select(String mailbox, SelectOptions options) {
    return open("SELECT", mailbox, options);
  }

  public CompletableFuture<SelectedMailbox> examine(String mailbox) {
    return open("EXAMINE", mailbox, SelectOptions.PLAIN);
  }

  public CompletableFuture<SelectedMailbox> examine(String mailbox, SelectOptions options) {
    return open("EXAMINE", mailbox, options);
  }

  private CompletableFuture<SelectedMailbox> open(String verb, String mailbox, SelectOptions o) {
    ImapCommand.Builder b = command(verb).sp().mailbox(mailbox);
    if (o.qresync()) {
      if (!isEnabled("QRESYNC")) {
        return CompletableFuture.failedFuture(new IllegalStateException(
            "QRESYNC parameters need ENABLE QRESYNC confirmed by * ENABLED"));
      }
      b.sp().raw("(QRESYNC (" + o.qresyncUidValidity() + " " + o.qresyncModSeq()
          + (o.knownUids() == null ? "" : " " + o.knownUids()) + "))");
    } else if (o.withCondstore()) {
      b.sp().raw("(CONDSTORE)");
    }
    return execute(b.build()).thenApply(r -> SelectedMailboxes.from(mailbox, r));
  }

  /**
   * UID FETCH of a UID set; returns the FETCH data that carry a UID inside {@code [fromUid, ∞)}
   * (a server answers {@code n:*} with the last message even when its UID is below n).
   */
  public CompletableFuture<List<FetchData>> uidFetch(String uidSet, String items, long fromUid) {
    ImapCommand c = command("UID FETCH").sp().raw(uidSet).sp().raw(items).build();
    return execute(c).thenApply(r -> {
      List<FetchData> out = new ArrayList<>();
      for (ImapResponse u : r.untagged()) {
        if (u instanceof ImapResponse.Fetch f && f.data().hasUid() && f.data().uid() >= fromUid) {
          out.add(f.data());
        }
      }
      return out;
    });
  }

  /** UID SEARCH with raw criteria (we build them); returns the UIDs, from SEARCH or ESEARCH ALL. */
  public CompletableFuture<CommandResult> uidSearch(String criteria) {
    return execute(command("UID SEARCH").sp().raw(criteria).build());
  }

  public CompletableFuture<ImapResponse.MailboxStatus> status(String mailbox, String items) {
    return execute(command("STATUS").sp().mailbox(mailbox).sp().raw("(" + items + ")").build())
        .thenApply(r -> r.untagged().stream().filter(u -> u instanceof ImapResponse.MailboxStatus)
            .map(u -> (ImapResponse.MailboxStatus) u).findFirst()
            .orElseThrow(() -> new ImapCommandException("STATUS", Condition.OK, null, "no STATUS data returned")));
  }

  /** LIST "" pattern, with RETURN (SPECIAL-USE) when offered. */
  public CompletableFuture<List<ImapResponse.ListEntry>> list(String pattern) {
    ImapCommand.Builder b = command("LIST").sp().quoted("").sp().mailbox(pattern);
    if (hasCapability("SPECIAL-USE")) {
      b.sp().raw("RETURN (SPECIAL-USE)");
    }
    return execute(b.build()).thenApply(r -> r.untagged().stream()
        .filter(u -> u instanceof ImapResponse.ListEntry).map(u -> (ImapResponse.ListEntry) u).toList());
  }

  public CompletableFuture<CommandResult> noop() {
    return execute(command("NOOP").build());
  }

  /**
   * Enters IDLE. The returned stage completes when the server accepted (sent "+"), or fails if it
   * refused (NO/BAD: fall back to polling). Untagged data keep flowing to the listener. Leave with
   * {@link #done()} or by submitting any command.
   */
  public CompletableFuture<Void> idle() {
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    Pending p = new Pending(command("IDLE").build());
    p.idleAccepted = accepted;
    p.future.whenComplete((r, e) -> {
      if (e != null) {
        accepted.completeExceptionally(e);
      } else {
        accepted.complete(null); // ended (after DONE) before or without "+"
      }
    });
    channel.eventLoop().execute(() -> enqueue(p));
    return accepted;
  }

  /** Leaves IDLE; completes on the IDLE command's tagged OK. A no-op when not idling. */
  public CompletableFuture<Void> done() {
    CompletableFuture<Void> out = new CompletableFuture<>();
    channel.eventLoop().execute(() -> {
      Pending idle = idleInFlight();
      if (idle == null) {
        out.complete(null);
        return;
      }
      idle.future.whenComplete((r, e) -> out.complete(null));
      requestDone();
    });
    return out;
  }

  public CompletableFuture<Void> logout() {
    return execute(command("LOGOUT").build()).handle((r, e) -> {
      channel.close();
      return null;
    });
  }

  /** Closes the connection without LOGOUT. */
  public CompletionStage<Void> close() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    channel.close().addListener(x -> f.complete(null));
    return f;
  }

  // ---- STARTTLS and COMPRESS: changing layers under the framer -------------------------------

  private CompletableFuture<ImapSession> startTls() {
    CompletableFuture<Set<String>> caps = hasCapability("STARTTLS")
        ? CompletableFuture.completedFuture(capabilities) : capability();
    return caps.thenCompose(c -> {
      if (!hasCapability("STARTTLS")) {
        // Never continue in plaintext: that is the downgrade a network attacker wants.
        return CompletableFuture.failedFuture(new ImapConnectException(
            endpoint + " does not offer STARTTLS; refusing to continue without TLS", null));
      }
      CompletableFuture<Void> handshake = new CompletableFuture<>();
      Pending p = new Pending(command("STARTTLS").build());
      p.onOk = () -> installTls(handshake);
      return submit(p).thenCompose(r -> handshake)
          .thenCompose(v -> {
            capabilities = Set.of(); // learned in plaintext: not to be trusted
            return capability();
          })
          .thenApply(x -> this);
    });
  }

  /** Runs at STARTTLS's tagged OK: drop anything buffered after it, put TLS under the framer. */
  private void installTls(CompletableFuture<Void> handshake) {
    ImapFrameDecoder framer = channel.pipeline().get(ImapFrameDecoder.class);
    ChannelHandlerContext framerCtx = channel.pipeline().context(framer);
    framer.suspend();
    ByteBuf injected = framer.takeBuffered(framerCtx);
    if (injected.isReadable()) {
      log.warn("{}: discarded {} bytes the server sent after STARTTLS OK and before the TLS handshake",
          endpoint, injected.readableBytes());
    }
    injected.release();
    SslHandler ssl = TlsContexts.newHandler(endpoint, channel.alloc());
    if (channel.pipeline().get(TrafficCounter.NAME) != null) {
      channel.pipeline().addAfter(TrafficCounter.NAME, "tls", ssl); // the counter keeps counting wire bytes
    } else {
      channel.pipeline().addFirst("tls", ssl);
    }
    ssl.handshakeFuture().addListener(f -> {
      if (f.isSuccess()) {
        framer.resume();
        handshake.complete(null);
      } else {
        handshake.completeExceptionally(new ImapConnectException(
            "TLS handshake with " + endpoint + " failed: " + f.cause().getMessage(), f.cause()));
        channel.close();
      }
    });
  }

  /** Runs at COMPRESS's tagged OK: inflate what follows, deflate what we send. */
  private void installCompression() {
    ImapFrameDecoder framer = channel.pipeline().get(ImapFrameDecoder.class);
    ChannelHandlerContext framerCtx = channel.pipeline().context(framer);
    framer.suspend();
    ByteBuf compressedAlready = framer.takeBuffered(framerCtx);
    // Under TLS, else under the byte counter (which counts wire bytes), else at the socket.
    String anchor = channel.pipeline().get("tls") != null ? "tls"
        : channel.pipeline().get(TrafficCounter.NAME) != null ? TrafficCounter.NAME : null;
    if (anchor != null) {
      channel.pipeline().addAfter(anchor, "inflate", new JdkZlibDecoder(ZlibWrapper.NONE, 0));
      channel.pipeline().addAfter(anchor, "deflate", new JdkZlibEncoder(ZlibWrapper.NONE));
    } else {
      channel.pipeline().addFirst("inflate", new JdkZlibDecoder(ZlibWrapper.NONE, 0));
      channel.pipeline().addFirst("deflate", new JdkZlibEncoder(ZlibWrapper.NONE));
    }
    compressed = true;
    framer.resume();
    if (compressedAlready.isReadable()) {
      ChannelHandlerContext before = anchor != null ? channel.pipeline().context(anchor) : null;
      if (before != null) {
        before.fireChannelRead(compressedAlready);
      } else {
        channel.pipeline().fireChannelRead(compressedAlready);
      }
    } else {
      compressedAlready.release();
    }
  }

  // ---- event-loop side -----------------------------------------------------------------------

  private Pending idleInFlight() {
    for (Pending p : inFlight) {
      if (p.command.isIdle()) {
        return p;
      }
    }
    return null;
  }

  private void enqueue(Pending p) {
    if (closed || !channel.isActive()) {
      p.future.completeExceptionally(new ImapConnectException(closedMessage(), null));
      return;
    }
    queue.add(p);
    if (idleInFlight() != null) {
      requestDone();
    }
    writeNext();
  }

  private void requestDone() {
    if (idleState == IdleState.IDLING) {
      channel.writeAndFlush(Unpooled.wrappedBuffer(DONE));
      idleState = IdleState.DONE_SENT;
      Pending idle = idleInFlight();
      if (idle != null) {
        armTimer(idle, options.commandTimeout());
      }
    } else if (idleState == IdleState.WAITING_FOR_CONTINUATION) {
      doneRequested = true; // sent the moment "+" arrives
    }
  }

  /**
   * Writes queued commands: one at a time, except that single-line commands may follow a DONE
   * immediately, since the server handles them after IDLE's tagged OK.
   */
  private void writeNext() {
    while (!queue.isEmpty()) {
      Pending next = queue.peek();
      if (!inFlight.isEmpty()) {
        boolean afterDone = inFlight.size() == 1 && idleState == IdleState.DONE_SENT
            && next.singleSegment() && !next.command.isIdle() && next.onOk == null;
        if (!afterDone) {
          return;
        }
      }
      queue.poll();
      next.tag = "A" + (++nextTag);
      inFlight.add(next);
      if (next.command.isIdle()) {
        idleState = IdleState.WAITING_FOR_CONTINUATION;
        doneRequested = false;
      } else {
        armTimer(next, next.timeout);
      }
      writeSegment(next);
    }
  }

  private void armTimer(Pending p, Duration timeout) {
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    p.timer = channel.eventLoop().schedule(() -> {
      if (!p.future.isDone()) {
        onFailure(new ImapTimeoutException(p.command.name() + " got no answer from " + endpoint
            + " within " + timeout.toSeconds() + " s"));
      }
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void writeSegment(Pending p) {
    byte[] seg = p.command.segments().get(p.segment);
    if (p.segment == 0) {
      if (log.isTraceEnabled()) {
        log.trace("{}: > {} {}", endpoint, p.tag, p.command.name()); // the name only: arguments may hold secrets
      }
      byte[] tag = (p.tag + " ").getBytes(StandardCharsets.US_ASCII);
      channel.write(Unpooled.wrappedBuffer(tag, seg));
    } else {
      channel.write(Unpooled.wrappedBuffer(seg));
    }
    channel.flush();
    p.segment++;
  }

  void onGreeting(ImapResponse r) {
    if (r instanceof ImapResponse.Status s) {
      if (s.condition() == Condition.OK || s.condition() == Condition.PREAUTH) {
        preauth = s.condition() == Condition.PREAUTH;
        if (preauth && endpoint.security() == Security.STARTTLS) {
          // PREAUTH leaves no chance to start TLS: refuse rather than run in plaintext.
          greeted.completeExceptionally(new ImapConnectException(
              endpoint + " sent PREAUTH before STARTTLS; refusing to continue without TLS", null));
          channel.close();
          return;
        }
        if (s.code() instanceof ResponseCode.Capability c) {
          capabilities = Set.copyOf(c.capabilities());
        }
        greeted.complete(this);
        return;
      }
      if (s.condition() == Condition.BYE) {
        greeted.completeExceptionally(new ImapConnectException(
            endpoint + " refused the connection: " + Printable.of(s.text(), 200), null));
        channel.close();
        return;
      }
    }
    greeted.completeExceptionally(new ImapConnectException(endpoint + " sent no valid greeting", null));
    channel.close();
  }

  void onResponse(ImapResponse r) {
    switch (r) {
      case ImapResponse.Tagged t -> onTagged(t);
      case ImapResponse.Continuation c -> onContinuation(c);
      default -> onUntagged(r);
    }
  }

  private void onUntagged(ImapResponse r) {
    if (log.isTraceEnabled()) {
      log.trace("{}: < * {}", endpoint, r.getClass().getSimpleName());
    }
    if (r instanceof ImapResponse.Unknown u) {
      UnknownResponses.logOnce(endpoint, u);
    }
    if (r instanceof ImapResponse.Capabilities c) {
      capabilities = Set.copyOf(c.capabilities());
    } else if (r instanceof ImapResponse.Status s) {
      if (s.code() instanceof ResponseCode.Capability c) {
        capabilities = Set.copyOf(c.capabilities());
      }
      if (s.condition() == Condition.BYE && byeText == null) {
        byeText = s.text(); // repeated BYEs (some servers send two) change nothing
      }
    }
    Pending head = inFlight.peekFirst();
    if (head != null && !head.command.isIdle()) {
      head.untagged.add(r);
    }
    try {
      listener.onUntagged(this, r);
    } catch (RuntimeException e) {
      log.warn("session listener failed on {}", r.getClass().getSimpleName(), e);
    }
  }

  private void onContinuation(ImapResponse.Continuation c) {
    Pending head = inFlight.peekFirst();
    if (head == null) {
      log.debug("{}: continuation with no command in flight, ignored", endpoint);
      return;
    }
    if (head.command.isIdle()) {
      if (idleState == IdleState.WAITING_FOR_CONTINUATION) {
        idleState = IdleState.IDLING;
        head.idleAccepted.complete(null);
        if (doneRequested || !queue.isEmpty()) {
          requestDone();
          writeNext();
        }
      }
      return;
    }
    if (head.onContinuation != null) {
      channel.writeAndFlush(Unpooled.wrappedBuffer(head.onContinuation.apply(c.text())));
      return;
    }
    if (head.segment < head.command.segments().size()) {
      writeSegment(head);
    }
  }

  private void onTagged(ImapResponse.Tagged t) {
    if (log.isTraceEnabled()) {
      log.trace("{}: < {} {} {}", endpoint, t.tag(), t.condition(), t.text());
    }
    Pending p = null;
    for (Pending candidate : inFlight) {
      if (candidate.tag.equals(t.tag())) {
        p = candidate;
        break;
      }
    }
    if (p == null) {
      log.warn("{}: tagged response for unknown tag, ignored", endpoint);
      return;
    }
    inFlight.remove(p);
    if (p.timer != null) {
      p.timer.cancel(false);
    }
    if (p.command.isIdle()) {
      idleState = IdleState.NONE;
    }
    if (t.code() instanceof ResponseCode.Capability c) {
      capabilities = Set.copyOf(c.capabilities());
    }
    if (t.condition() == Condition.OK) {
      if (p.onOk != null) {
        p.onOk.run();
      }
      p.future.complete(new CommandResult(t, Collections.unmodifiableList(p.untagged)));
    } else {
      p.future.completeExceptionally(
          new ImapCommandException(p.command.name(), t.condition(), t.code(), t.text()));
    }
    writeNext();
  }

  /**
   * Nothing at all arrived for the silence timeout. In IDLE the server may just have nothing to
   * say, or the socket may be blackholed (no FIN ever comes): leave IDLE and probe with NOOP; the
   * probe's own deadline closes the connection if the peer is gone.
   */
  void onSilence() {
    if (closed) {
      return;
    }
    if (!inFlight.isEmpty() && idleInFlight() == null) {
      onFailure(new ImapTimeoutException("no data from " + endpoint + " for "
          + options.silenceTimeout().toSeconds() + " s with a command in flight"));
      return;
    }
    Pending probe = new Pending(command("NOOP").build());
    probe.timeout = options.probeTimeout();
    enqueue(probe);
  }

  void onFailure(Throwable cause) {
    if (closed) {
      return;
    }
    log.warn("{}: closing session: {}", endpoint, cause.getMessage());
    failAll(cause);
    channel.close();
  }

  void onInactive() {
    if (closed) {
      return;
    }
    failAll(new ImapConnectException(closedMessage(), null));
  }

  private String closedMessage() {
    return byeText != null ? endpoint + " closed the connection: BYE " + Printable.of(byeText, 200)
        : "connection to " + endpoint + " closed";
  }

  private void failAll(Throwable cause) {
    closed = true;
    greeted.completeExceptionally(cause);
    Pending p;
    while ((p = inFlight.poll()) != null) {
      if (p.timer != null) {
        p.timer.cancel(false);
      }
      p.future.completeExceptionally(cause);
    }
    while ((p = queue.poll()) != null) {
      p.future.completeExceptionally(cause);
    }
    try {
      listener.onClosed(this, cause instanceof ImapConnectException && cause.getCause() == null ? null : cause);
    } catch (RuntimeException e) {
      log.warn("session listener failed on close", e);
    }
  }

  @Override
  public String toString() {
    return "ImapSession[" + endpoint + "]";
  }
}
