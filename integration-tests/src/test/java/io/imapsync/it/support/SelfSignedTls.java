package io.imapsync.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A throwaway self-signed certificate for "localhost" and 127.0.0.1, made with the JDK's keytool
 * (no openssl needed): a server-side SSLContext for scripted TLS servers and the PEM that clients
 * trust explicitly. Dovecot's certificates come from {@link TestCertificates} instead.
 */
public final class SelfSignedTls {
  private static final char[] PASSWORD = "test-only".toCharArray();

  private final Path dir;
  private final Path pem;
  private final SSLContext serverContext;

  private SelfSignedTls(Path dir, Path pem, SSLContext serverContext) {
    this.dir = dir;
    this.pem = pem;
    this.serverContext = serverContext;
  }

  public static SelfSignedTls create() throws Exception {
    Path dir = Files.createTempDirectory("imap-sync-certs");
    Path keystore = dir.resolve("server.p12");
    Path pem = dir.resolve("ca.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", new String(PASSWORD)));
    run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
        "-storepass", new String(PASSWORD), "-file", pem.toString()));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return new SelfSignedTls(dir, pem, ctx);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
  }

  /** PEM of the certificate, to pass as ImapEndpoint.trustedCertificatesPem. */
  public String trustedPem() {
    return pem.toString();
  }

  public SSLContext serverContext() {
    return serverContext;
  }

  public Path dir() {
    return dir;
  }
}
