package io.imapsync.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.TestAbortedException;

/** The harness itself: start-up, clean-up, delivery and failure reporting. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DovecotServerTest {

  @Test
  void startsQuicklyAndCloseLeavesNoProcessOrDirectoryBehind() throws Exception {
    long t0 = System.nanoTime();
    DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user("alice", "pw"));
    long started = System.nanoTime();
    Path base = dovecot.baseDir();
    ProcessHandle master = dovecot.processHandle();
    List<ProcessHandle> children = master.descendants().toList();
    assertFalse(children.isEmpty(), "Dovecot runs its services as child processes");
    assertEquals("* OK", greeting(dovecot.port()).substring(0, 4));

    dovecot.close();
    long closed = System.nanoTime();
    System.out.printf("dovecot start %d ms, close %d ms%n",
        TimeUnit.NANOSECONDS.toMillis(started - t0), TimeUnit.NANOSECONDS.toMillis(closed - started));
    assertFalse(master.isAlive());
    children.forEach(c -> assertFalse(DovecotServer.isRunning(c), () -> "still running: " + c.info()));
    assertFalse(Files.exists(base), "BASE deleted");
    dovecot.close(); // idempotent
  }

  @Test
  void tlsStartTime() {
    long t0 = System.nanoTime();
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user("alice", "pw").tls(true))) {
      long started = System.nanoTime();
      System.out.printf("dovecot TLS start %d ms%n", TimeUnit.NANOSECONDS.toMillis(started - t0));
      assertTrue(Files.isRegularFile(dovecot.caPemPath()));
    }
  }

  @Test
  void deliverWritesIntoTheUsersMaildirThroughDovecot() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user("alice", "pw"))) {
      byte[] message = "Subject: hello\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);
      dovecot.deliver("alice", message);
      dovecot.deliver("alice", message);
      Path maildir = dovecot.maildir("alice");
      try (Stream<Path> files = Files.list(maildir.resolve("new"))) {
        assertEquals(2, files.count());
      }
      // Delivered through Dovecot's storage, so its index knows the messages (not a bare file drop).
      assertTrue(Files.readString(maildir.resolve("dovecot-uidlist")).contains("3 "),
          "uidlist has a next UID of 3");
    }
  }

  @Test
  void missingDovecotBinaryNamesTheInstallScript() {
    DovecotServer.Options options = DovecotServer.options().user("alice", "pw")
        .dovecotBinary(Path.of("/nonexistent/dovecot"));
    DovecotServer.NotInstalledException e =
        assertThrows(DovecotServer.NotInstalledException.class, () -> DovecotServer.start(options));
    assertTrue(e.getMessage().contains(".ci/install-test-deps"), e.getMessage());
  }

  @Test
  void missingDovecotSkipsLocallyButFailsUnderCi() {
    DovecotServer.Options options = DovecotServer.options().user("alice", "pw")
        .dovecotBinary(Path.of("/nonexistent/dovecot"));
    assertThrows(TestAbortedException.class, () -> DovecotServers.startForTest(options, false));
    assertThrows(DovecotServer.NotInstalledException.class, () -> DovecotServers.startForTest(options, true));
  }

  @Test
  void startFailureIncludesTheLogTail() throws IOException {
    // A "dovecot" that fails at once, like a broken config would: the output must be in the error.
    Path fake = Files.createTempFile("fake-dovecot-", ".sh");
    try {
      Files.writeString(fake, "#!/bin/sh\necho 'Fatal: simulated config error' >&2\nexit 89\n");
      fake.toFile().setExecutable(true);
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> DovecotServer.start(DovecotServer.options().user("alice", "pw").dovecotBinary(fake)));
      assertTrue(e.getMessage().contains("exited with code 89"), e.getMessage());
      assertTrue(e.getMessage().contains("Fatal: simulated config error"), e.getMessage());
    } finally {
      Files.deleteIfExists(fake);
    }
  }

  @Test
  void rejectsUserNamesAndPasswordsThatWouldCorruptThePasswdFile() {
    DovecotServer.Options options = DovecotServer.options();
    assertThrows(IllegalArgumentException.class, () -> options.user("bad:name", "pw"));
    assertThrows(IllegalArgumentException.class, () -> options.user("alice", "pw:with:colons"));
    assertThrows(IllegalArgumentException.class, () -> options.user("alice", "two\nlines"));
  }

  /**
   * Our client has no STARTTLS yet; this proves the harness serves it correctly (with the test CA
   * and host-name check) so that the client's STARTTLS can be tested against it later.
   */
  @Test
  void startTlsUpgradesThePlainPortWithTheTestCa() throws Exception {
    try (DovecotServer dovecot = DovecotServers.startForTest(DovecotServer.options().user("alice", "pw").tls(true));
        Socket plain = new Socket(DovecotServer.HOST, dovecot.port())) {
      plain.setSoTimeout(5000);
      assertTrue(readLine(plain.getInputStream()).contains("STARTTLS"), "greeting advertises STARTTLS");
      plain.getOutputStream().write("a STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
      assertTrue(readLine(plain.getInputStream()).startsWith("a OK"));

      SSLSocket tls = (SSLSocket) trusting(dovecot.caPemPath()).getSocketFactory()
          .createSocket(plain, DovecotServer.TLS_HOST_NAME, dovecot.port(), true);
      SSLParameters params = tls.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      tls.setSSLParameters(params);
      tls.startHandshake();
      tls.getOutputStream().write("b CAPABILITY\r\nc LOGIN alice pw\r\nd LOGOUT\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      String capability = readLine(tls.getInputStream());
      assertTrue(capability.startsWith("* CAPABILITY") && !capability.contains("STARTTLS"), capability);
      assertTrue(readLine(tls.getInputStream()).startsWith("b OK"));
      assertTrue(readLine(tls.getInputStream()).startsWith("c OK"), "LOGIN over the upgraded connection");
    }
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      trust.setCertificateEntry("test-ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      sb.append((char) c);
    }
    return sb.toString().strip();
  }

  private static String greeting(int port) throws IOException {
    try (Socket s = new Socket(DovecotServer.HOST, port)) {
      s.setSoTimeout(5000);
      return readLine(s.getInputStream());
    }
  }
}
