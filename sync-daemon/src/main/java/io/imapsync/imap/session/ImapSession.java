package io.imapsync.imap.session;

import io.imapsync.imap.protocol.Condition;
import io.imapsync.imap.protocol.FetchData;
import io.imapsync.imap.protocol.ImapCommand;
import io.imapsync.imap.protocol.ImapResponse;
import io.imapsync.imap.protocol.ResponseCode;
import io.imapsync.runtime.SharedResources;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IMAP client connection. Every method may be called from any thread; all state is touched
 * only on the channel's event loop, so there are no locks. Commands are tagged, queued and written
 * one at a time; each returns a future completed by its tagged response. Untagged responses go to
 * the {@link SessionListener} as they arrive, and are also collected for the command in flight.
 *
 * <p>IDLE follows RFC 2177 exactly: no command is written while the server waits for DONE. A
 * command submitted during IDLE is queued and DONE is sent first, so callers need not stop IDLE
 * themselves.
 */
public final class ImapSession {
  private static final Logger log = LoggerFactory.getLogger(ImapSession.class);
  private static final byte[] DONE = "DONE\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Channel channel;
  private final SessionListener listener;
  private final ImapEndpoint endpoint;
  private final CompletableFuture<ImapSession> greeted = new CompletableFuture<>();
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private Pending current;
  private int nextTag;
  private volatile Set<String> capabilities = Set.of();
  private boolean preauth;
  private boolean closed;

  /** IDLE sub-state of the command in flight, when it is IDLE. */
  private enum IdleState { NONE, WAITING_FOR_CONTINUATION, IDLING, DONE_SENT }

  private IdleState idleState = IdleState.NONE;
  private boolean doneRequested;
  private CompletableFuture<Void> idleAccepted;

  private static final class Pending {
    final ImapCommand command;
    final CompletableFuture<CommandResult> future = new CompletableFuture<>();
    final List<ImapResponse> untagged = new ArrayList<>();
    String tag;
    int segment;

    Pending(ImapCommand command) {
      this.command = command;
    }
  }

  private ImapSession(Channel channel, ImapEndpoint endpoint, SessionListener listener) {
    this.channel = channel;
    this.endpoint = endpoint;
    this.listener = listener;
  }

  /** Connects, and completes once the server's greeting arrived (OK or PREAUTH). */
  public static CompletableFuture<ImapSession> connect(SharedResources resources, ImapEndpoint endpoint,
      SessionListener listener) {
    CompletableFuture<ImapSession> result = new CompletableFuture<>();
    Bootstrap b = new Bootstrap()
        .group(resources.eventLoops())
        .channel(resources.socketChannelClass())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) endpoint.connectTimeout().toMillis())
        .handler(new ImapChannelInitializer(endpoint));
    ChannelFuture cf = b.connect(endpoint.host(), endpoint.port());
    cf.addListener(f -> {
      if (!f.isSuccess()) {
        result.completeExceptionally(new ImapConnectException(
            "cannot connect to " + endpoint + ": " + f.cause().getMessage(), f.cause()));
        return;
      }
      Channel ch = cf.channel();
      ImapSession session = new ImapSession(ch, endpoint, listener);
      ch.pipeline().get(ImapSessionHandler.class).attach(session);
      session.greeted.whenComplete((s, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
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
    return ImapCommand.builder(name, literalMode(), false);
  }

  /** Queues a command; the future completes with its result, or fails on NO/BAD or disconnect. */
  public CompletableFuture<CommandResult> execute(ImapCommand command) {
    Pending p = new Pending(command);
    channel.eventLoop().execute(() -> enqueue(p));
    return p.future;
  }

  // ---- commands ------------------------------------------------------------------------------

  public CompletableFuture<Set<String>> capability() {
    return execute(command("CAPABILITY").build()).thenApply(r -> capabilities);
  }

  /** LOGIN; the password is sent quoted or as a literal and never logged. */
  public CompletableFuture<Void> login(String user, String password) {
    ImapCommand c = command("LOGIN").sp().astring(user).sp().astring(password).build();
    return execute(c).thenCompose(r -> refreshCapabilitiesUnlessSent(r));
  }

  private CompletableFuture<Void> refreshCapabilitiesUnlessSent(CommandResult r) {
    boolean sent = r.tagged().code() instanceof ResponseCode.Capability
        || r.untagged().stream().anyMatch(u -> u instanceof ImapResponse.Capabilities);
    return sent ? CompletableFuture.completedFuture(null) : capability().thenApply(c -> null);
  }

  public CompletableFuture<SelectedMailbox> select(String mailbox) {
    return open("SELECT", mailbox);
  }

  public CompletableFuture<SelectedMailbox> examine(String mailbox) {
    return open("EXAMINE", mailbox);
  }

  private CompletableFuture<SelectedMailbox> open(String verb, String mailbox) {
    return execute(command(verb).sp().mailbox(mailbox).build()).thenApply(r -> {
      long uidValidity = -1;
      long uidNext = -1;
      long exists = -1;
      long highestModSeq = -1;
      List<String> flags = List.of();
      for (ImapResponse u : r.untagged()) {
        switch (u) {
          case ImapResponse.Exists e -> exists = e.count();
          case ImapResponse.Flags f -> flags = f.flags();
          case ImapResponse.Status s when s.code() != null -> {
            switch (s.code()) {
              case ResponseCode.UidValidity v -> uidValidity = v.value();
              case ResponseCode.UidNext n -> uidNext = n.value();
              case ResponseCode.HighestModSeq h -> highestModSeq = h.value();
              case ResponseCode.NoModSeq n -> highestModSeq = -1;
              default -> { }
            }
          }
          default -> { }
        }
      }
      boolean readOnly = r.tagged().code() instanceof ResponseCode.ReadOnly;
      return new SelectedMailbox(mailbox, uidValidity, uidNext, exists, highestModSeq, flags, readOnly);
    });
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

  public CompletableFuture<CommandResult> noop() {
    return execute(command("NOOP").build());
  }

  /**
   * Enters IDLE. The returned stage completes when the server accepted (sent "+"), or fails if it
   * refused. Untagged data keep flowing to the listener. Leave with {@link #done()}.
   */
  public CompletableFuture<Void> idle() {
    CompletableFuture<Void> accepted = new CompletableFuture<>();
    Pending p = new Pending(command("IDLE").build());
    channel.eventLoop().execute(() -> {
      if (idleAccepted != null && !idleAccepted.isDone()) {
        accepted.completeExceptionally(new IllegalStateException("IDLE already pending"));
        return;
      }
      idleAccepted = accepted;
      p.future.whenComplete((r, e) -> {
        if (e != null) {
          accepted.completeExceptionally(e);
        }
      });
      enqueue(p);
    });
    return accepted;
  }

  /** Leaves IDLE; completes on the IDLE command's tagged OK. A no-op when not idling. */
  public CompletableFuture<Void> done() {
    CompletableFuture<Void> out = new CompletableFuture<>();
    channel.eventLoop().execute(() -> {
      if (current == null || !current.command.isIdle()) {
        out.complete(null);
        return;
      }
      current.future.whenComplete((r, e) -> out.complete(null));
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

  // ---- event-loop side -----------------------------------------------------------------------

  private void enqueue(Pending p) {
    if (closed || !channel.isActive()) {
      p.future.completeExceptionally(new ImapConnectException("connection to " + endpoint + " is closed", null));
      return;
    }
    queue.add(p);
    if (current != null && current.command.isIdle()) {
      requestDone();
    }
    writeNext();
  }

  private void requestDone() {
    if (idleState == IdleState.IDLING) {
      channel.writeAndFlush(Unpooled.wrappedBuffer(DONE));
      idleState = IdleState.DONE_SENT;
    } else if (idleState == IdleState.WAITING_FOR_CONTINUATION) {
      doneRequested = true; // sent the moment "+" arrives
    }
  }

  private void writeNext() {
    if (current != null || queue.isEmpty()) {
      return;
    }
    current = queue.poll();
    current.tag = "A" + (++nextTag);
    if (current.command.isIdle()) {
      idleState = IdleState.WAITING_FOR_CONTINUATION;
      doneRequested = false;
    }
    writeSegment(current);
  }

  private void writeSegment(Pending p) {
    byte[] seg = p.command.segments().get(p.segment);
    if (p.segment == 0) {
      byte[] tag = (p.tag + " ").getBytes(StandardCharsets.US_ASCII);
      channel.write(Unpooled.wrappedBuffer(tag));
    }
    channel.writeAndFlush(Unpooled.wrappedBuffer(seg));
    p.segment++;
  }

  void onGreeting(ImapResponse r) {
    if (r instanceof ImapResponse.Status s) {
      if (s.condition() == Condition.OK || s.condition() == Condition.PREAUTH) {
        preauth = s.condition() == Condition.PREAUTH;
        if (s.code() instanceof ResponseCode.Capability c) {
          capabilities = Set.copyOf(c.capabilities());
        }
        greeted.complete(this);
        return;
      }
      if (s.condition() == Condition.BYE) {
        greeted.completeExceptionally(new ImapConnectException(
            endpoint + " refused the connection: " + s.text(), null));
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
    if (r instanceof ImapResponse.Capabilities c) {
      capabilities = Set.copyOf(c.capabilities());
    } else if (r instanceof ImapResponse.Status s && s.code() instanceof ResponseCode.Capability c) {
      capabilities = Set.copyOf(c.capabilities());
    }
    if (current != null && !current.command.isIdle()) {
      current.untagged.add(r);
    }
    try {
      listener.onUntagged(this, r);
    } catch (RuntimeException e) {
      log.warn("session listener failed on {}", r.getClass().getSimpleName(), e);
    }
  }

  private void onContinuation(ImapResponse.Continuation c) {
    if (current == null) {
      log.debug("{}: continuation with no command in flight, ignored", endpoint);
      return;
    }
    if (current.command.isIdle()) {
      if (idleState == IdleState.WAITING_FOR_CONTINUATION) {
        idleState = IdleState.IDLING;
        idleAccepted.complete(null);
        if (doneRequested || !queue.isEmpty()) {
          requestDone();
        }
      }
      return;
    }
    if (current.segment < current.command.segments().size()) {
      writeSegment(current);
    }
  }

  private void onTagged(ImapResponse.Tagged t) {
    if (current == null || !current.tag.equals(t.tag())) {
      log.warn("{}: tagged response for unknown tag, ignored", endpoint);
      return;
    }
    Pending p = current;
    current = null;
    if (p.command.isIdle()) {
      idleState = IdleState.NONE;
    }
    if (t.code() instanceof ResponseCode.Capability c) {
      capabilities = Set.copyOf(c.capabilities());
    }
    if (t.condition() == Condition.OK) {
      p.future.complete(new CommandResult(t, Collections.unmodifiableList(p.untagged)));
    } else {
      p.future.completeExceptionally(
          new ImapCommandException(p.command.name(), t.condition(), t.code(), t.text()));
    }
    writeNext();
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
    failAll(new ImapConnectException("connection to " + endpoint + " closed", null));
  }

  private void failAll(Throwable cause) {
    closed = true;
    greeted.completeExceptionally(cause);
    if (idleAccepted != null) {
      idleAccepted.completeExceptionally(cause);
    }
    if (current != null) {
      current.future.completeExceptionally(cause);
      current = null;
    }
    Pending p;
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
