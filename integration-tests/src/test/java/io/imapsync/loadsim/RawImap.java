package io.imapsync.loadsim;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A blocking line-level IMAP client for tests that need the exact bytes: send a command, read
 * lines until its tagged response. Literals in responses are read as part of the line that
 * announced them (the {@code {n}} is kept, followed by the octets), so a FETCH BODY[] response is
 * one "line". Reads time out after 10 s so a missing answer fails the test instead of hanging it.
 */
final class RawImap implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private int tags;

  RawImap(InetSocketAddress address) throws IOException {
    socket = new Socket();
    socket.connect(address, 5_000);
    socket.setSoTimeout(10_000);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  static RawImap loggedIn(InetSocketAddress address, String user) throws IOException {
    RawImap c = new RawImap(address);
    c.readLine(); // greeting
    String ok = c.command("LOGIN " + user + " pw").getLast();
    if (!ok.contains("OK")) {
      throw new IOException("login failed: " + ok);
    }
    return c;
  }

  void send(String raw) throws IOException {
    out.write(raw.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Sends {@code text} with a new tag and returns every line up to and including the tagged one. */
  List<String> command(String text) throws IOException {
    String tag = "t" + (++tags);
    send(tag + " " + text + "\r\n");
    return untilTagged(tag);
  }

  List<String> untilTagged(String tag) throws IOException {
    List<String> lines = new ArrayList<>();
    while (true) {
      String line = readLine();
      if (line == null) {
        throw new IOException("connection closed before " + tag + " completed; got " + lines);
      }
      lines.add(line);
      if (line.startsWith(tag + " ")) {
        return lines;
      }
    }
  }

  /** The next line without CRLF (with any literal it announces appended), or null at end of stream. */
  String readLine() throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    while (true) {
      int c = in.read();
      if (c < 0) {
        return buf.size() == 0 ? null : buf.toString(StandardCharsets.UTF_8);
      }
      if (c == '\n') {
        byte[] b = buf.toByteArray();
        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
        String line = new String(b, 0, len, StandardCharsets.UTF_8);
        int open = line.lastIndexOf('{');
        if (line.endsWith("}") && open >= 0) {
          int n = Integer.parseInt(line.substring(open + 1, line.length() - 1));
          byte[] literal = in.readNBytes(n);
          String rest = readLine();
          return line + "\r\n" + new String(literal, StandardCharsets.UTF_8) + rest;
        }
        return line;
      }
      buf.write(c);
    }
  }

  /** The next line if one comes within {@code millis}, else null (the connection stays usable). */
  String pollLine(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      return readLine();
    } catch (SocketTimeoutException e) {
      return null;
    } finally {
      socket.setSoTimeout(10_000);
    }
  }

  /** True when the server has closed the connection (reads end of stream within 10 s). */
  boolean closedByServer() throws IOException {
    try {
      while (true) {
        if (in.read() < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
