package io.imapsync.admin;

import io.imapsync.runtime.SharedResources;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server for operators: Prometheus metrics and health. It runs on the daemon's own
 * event loop group (no threads of its own) and renders scrapes on the worker pool. Requests are
 * bounded (a GET has no body: 1 KiB at most), and a silent admin connection is closed after
 * {@link #READ_TIMEOUT_SECONDS}.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  static final int READ_TIMEOUT_SECONDS = 60;
  static final int MAX_REQUEST_BODY = 1024;

  private final Channel server;
  private final ChannelGroup connections;

  private AdminServer(Channel server, ChannelGroup connections) {
    this.server = server;
    this.connections = connections;
  }

  /** Binds now (blocking the caller, never an event loop) and serves until {@link #close}. */
  public static AdminServer start(SharedResources resources, AdminOptions options, Health health) {
    return start(resources, options, health, null);
  }

  /** With {@code api}: also answers {@code /v1/...} (the coordinator's fleet API). */
  public static AdminServer start(SharedResources resources, AdminOptions options, Health health, AdminApi api) {
    ChannelGroup connections = new DefaultChannelGroup("imap-sync-admin", resources.eventLoops().next());
    AdminHandler handler = new AdminHandler(resources.metrics().registry(), health, options.token(), resources.workers(),
        api);
    ServerBootstrap b = new ServerBootstrap()
        .group(resources.eventLoops(), resources.eventLoops())
        .channel(resources.serverChannelClass())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            connections.add(ch);
            ch.pipeline().addLast("timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            ch.pipeline().addLast("http", new HttpServerCodec(4096, 8192, 8192));
            ch.pipeline().addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BODY));
            ch.pipeline().addLast("admin", handler);
          }
        });
    ChannelFuture bound = b.bind(options.address(), options.port()).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      throw new IllegalStateException("cannot bind the metrics endpoint to " + options.address().getHostAddress()
          + ":" + options.port() + ": " + bound.cause().getMessage(), bound.cause());
    }
    AdminServer s = new AdminServer(bound.channel(), connections);
    log.info("metrics and health on http://{}:{}/metrics ({})", options.address().getHostAddress(), s.address().getPort(),
        options.token() == null ? "no authentication, loopback only" : "bearer token required");
    return s;
  }

  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
  }
}
