package io.imapsync.it.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A scripted IMAP server for hostile and quirky behaviour no real server shows on demand: each
 * accepted connection runs the test's script on its own thread with blocking I/O (test code
 * only). Failures inside a script are kept and rethrown by {@link #close()}.
 */
public final class ScriptedImapServer implements AutoCloseable {

  /** What a script does with one connection. */
  @FunctionalInterface
  public interface Script {
    void run(Connection c) throws Exception;
  }

  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  public ScriptedImapServer(Script script) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofPlatform().name("scripted-imap-accept").daemon().start(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          s.setTcpNoDelay(true);
          sockets.add(s);
          Thread.ofPlatform().name("scripted-imap-conn").daemon().start(() -> {
            try {
              script.run(new Connection(s));
            } catch (Throwable t) {
              if (!s.isClosed()) {
                failures.add(t);
              }
            }
          });
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  public int port() {
    return server.getLocalPort();
  }

  @Override
  public void close() throws Exception {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
    acceptor.join(2000);
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError("scripted server failed: " + failures.get(0));
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  /** One command line from the client. */
  public record Command(String tag, String verb, String rest) {}

  /** One client connection, as the script sees it. */
  public static final class Connection {
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.in = new BufferedInputStream(socket.getInputStream());
      this.out = socket.getOutputStream();
    }

    /** Writes text as is (include CRLFs), in one write. */
    public void send(String text) throws IOException {
      out.write(text.getBytes(StandardCharsets.UTF_8));
      out.flush();
    }

    /** Reads one line sent by the client, without CRLF; null at end of stream. */
    public String readLine() throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        if (b == '\n') {
          byte[] bytes = line.toByteArray();
          int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
          return new String(bytes, 0, n, StandardCharsets.UTF_8);
        }
        line.write(b);
      }
      return null;
    }

    /** The client's next command line split into tag, upper-cased verb and the rest; null at end of stream. */
    public Command readCommand() throws IOException {
      String line = readLine();
      if (line == null) {
        return null;
      }
      String[] parts = line.split(" ", 3);
      return new Command(parts[0], parts.length > 1 ? parts[1].toUpperCase() : "", parts.length > 2 ? parts[2] : "");
    }

    /** Reads the client's next command line and returns its tag. */
    public String expect(String verbPrefix) throws IOException {
      String line = readLine();
      if (line == null) {
        throw new IOException("client closed while the script expected " + verbPrefix);
      }
      int sp = line.indexOf(' ');
      String rest = line.substring(sp + 1);
      if (!rest.toUpperCase().startsWith(verbPrefix.toUpperCase())) {
        throw new AssertionError("expected " + verbPrefix + " but client sent: " + line);
      }
      return line.substring(0, sp);
    }

    /** Upgrades to TLS as the server side (after answering STARTTLS). */
    public void startTls(SSLContext context) throws IOException {
      SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
      tls.setUseClientMode(false);
      tls.startHandshake();
      socket = tls;
      in = new BufferedInputStream(tls.getInputStream());
      out = tls.getOutputStream();
    }

    /** Answers IDLE like a server: {@code +}, then waits for DONE and completes the command. */
    public void idleUntilDone(String tag) throws IOException {
      idleUntilDone(tag, "");
    }

    /** As {@link #idleUntilDone(String)}, pushing {@code untagged} (whole lines) right after the {@code +}. */
    public void idleUntilDone(String tag, String untagged) throws IOException {
      send("+ idling\r\n" + untagged);
      String done;
      while ((done = readLine()) != null && !done.equalsIgnoreCase("DONE")) {
        // only DONE ends IDLE
      }
      send(tag + " OK IDLE terminated\r\n");
    }

    /** Blocks until the client goes away (for silence tests); returns at end of stream. */
    public void drainUntilClosed() throws IOException {
      while (in.read() >= 0) {
        // discard
      }
    }

    public void close() throws IOException {
      socket.close();
    }
  }
}
