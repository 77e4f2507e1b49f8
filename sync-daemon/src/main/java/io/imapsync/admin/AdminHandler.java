package io.imapsync.admin;

import io.imapsync.model.Json;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes admin requests: {@code GET /metrics} (Prometheus text), {@code GET /health/live},
 * {@code GET /health/ready}. Stateless and shared by all admin connections. Nothing here blocks
 * the event loop: the scrape renders on the worker pool, health checks answer through futures,
 * and the response is written from whichever thread completes them.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
  /** Prometheus text exposition format 0.0.4, what every Prometheus version scrapes. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry;
  private final Health health;
  private final BearerToken token;
  private final Executor renderer;
  private final AdminApi api;

  AdminHandler(PrometheusMeterRegistry registry, Health health, BearerToken token, Executor renderer, AdminApi api) {
    this.registry = registry;
    this.health = health;
    this.token = token;
    this.renderer = renderer;
    this.api = api;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!request.decoderResult().isSuccess()) {
      respond(ctx, false, text(HttpResponseStatus.BAD_REQUEST, "bad request\n"));
      return;
    }
    if (token != null && !token.admits(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
      FullHttpResponse r = text(HttpResponseStatus.UNAUTHORIZED, "a bearer token is required\n");
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"imap-sync\"");
      respond(ctx, keepAlive, r);
      return;
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.path();
    if (api != null && path.startsWith("/v1/")) {
      answer(ctx, keepAlive, request.method().name(), path, uri.parameters());
      return;
    }
    boolean known = path.equals("/metrics") || path.equals("/health/live") || path.equals("/health/ready");
    if (!known) {
      respond(ctx, keepAlive, text(HttpResponseStatus.NOT_FOUND, "not found: try /metrics, /health/live, /health/ready\n"));
      return;
    }
    if (!request.method().equals(HttpMethod.GET)) {
      FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only\n");
      r.headers().set(HttpHeaderNames.ALLOW, "GET");
      respond(ctx, keepAlive, r);
      return;
    }
    CompletableFuture<FullHttpResponse> response = switch (path) {
      case "/metrics" -> scrape(ctx);
      case "/health/live" -> health.live().thenApply(AdminHandler::json);
      default -> health.ready().thenApply(AdminHandler::json);
    };
    response.whenComplete((r, e) -> {
      if (e != null) {
        log.warn("admin request {} failed: {}", path, e.toString());
        respond(ctx, keepAlive, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable\n"));
      } else {
        respond(ctx, keepAlive, r);
      }
    });
  }

  private void answer(ChannelHandlerContext ctx, boolean keepAlive, String method, String path,
      java.util.Map<String, java.util.List<String>> query) {
    String remote = String.valueOf(ctx.channel().remoteAddress());
    CompletableFuture<FullHttpResponse> response;
    try {
      response = CompletableFuture.supplyAsync(() -> {
        AdminApi.Answer a = api.handle(method, path, query, remote);
        byte[] body = Json.write(a.body()).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(a.status()),
            Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        return r;
      }, renderer);
    } catch (RejectedExecutionException e) {
      response = CompletableFuture.failedFuture(e);
    }
    response.whenComplete((r, e) -> {
      if (e != null) {
        log.warn("admin request {} {} failed: {}", method, path, e.toString());
        respond(ctx, keepAlive, text(HttpResponseStatus.SERVICE_UNAVAILABLE, "unavailable\n"));
      } else {
        respond(ctx, keepAlive, r);
      }
    });
  }

  /** Rendered on the worker pool: with many hosts and kinds the text runs to tens of kilobytes. */
  private CompletableFuture<FullHttpResponse> scrape(ChannelHandlerContext ctx) {
    try {
      return CompletableFuture.supplyAsync(() -> {
        ByteBuf body = ctx.alloc().buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
          registry.scrape(out);
        } catch (IOException | RuntimeException e) {
          body.release();
          throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT);
        return r;
      }, renderer);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e); // the workers are saturated: 503, try the next scrape
    }
  }

  private static FullHttpResponse json(HealthReport report) {
    byte[] body = Json.write(report.details()).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
        report.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    return r;
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }

  private static void respond(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
    HttpUtil.setContentLength(r, r.content().readableBytes());
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (keepAlive) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      ctx.writeAndFlush(r);
    } else {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("admin connection closed: {}", cause.toString());
    ctx.close();
  }
}
