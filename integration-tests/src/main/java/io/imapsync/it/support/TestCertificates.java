package io.imapsync.it.support;

import java.io.IOException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway PKI made at test time with the openssl CLI (the JDK has no public API to issue
 * certificates): a test CA, and a server certificate it signed for {@code localhost} and
 * {@code 127.0.0.1}. P-256 keys, because they take a millisecond where RSA takes a hundred.
 *
 * <p>Files written to the directory: {@code ca.pem} (what clients trust), {@code ca.key},
 * {@code server.pem}, {@code server.key}. Valid for two days: long enough for any test run, and a
 * leaked one is useless soon.
 */
final class TestCertificates {
  private TestCertificates() {}

  static void create(Path dir, Duration timeout) throws IOException {
    Files.createDirectories(dir);
    Path caKey = dir.resolve("ca.key");
    Path ca = dir.resolve("ca.pem");
    Path key = dir.resolve("server.key");
    Path csr = dir.resolve("server.csr");
    Path cert = dir.resolve("server.pem");
    Path ext = dir.resolve("server.ext");
    Files.writeString(ext, String.join("\n",
        "basicConstraints = critical, CA:FALSE",
        "keyUsage = critical, digitalSignature",
        "extendedKeyUsage = serverAuth",
        "subjectAltName = DNS:localhost, IP:127.0.0.1",
        ""), StandardCharsets.US_ASCII);

    openssl(timeout, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", caKey.toString(), "-out", ca.toString(), "-days", "2",
        "-subj", "/CN=imap-sync integration-test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl(timeout, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key.toString(), "-out", csr.toString(), "-subj", "/CN=localhost");
    openssl(timeout, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
        "-set_serial", Long.toString(System.nanoTime() & Long.MAX_VALUE), "-days", "2",
        "-extfile", ext.toString(), "-out", cert.toString());
  }

  private static void openssl(Duration timeout, String... args) throws IOException {
    Path openssl = DovecotServer.findExecutable("openssl");
    if (openssl == null) {
      throw new DovecotServer.NotInstalledException(
          "the openssl CLI is missing: " + DovecotServer.INSTALL_HINT);
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(openssl.toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("openssl-", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("openssl timed out: " + String.join(" ", cmd));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("openssl failed (" + p.exitValue() + "): " + String.join(" ", cmd)
            + "\n" + Files.readString(out, StandardCharsets.UTF_8));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running openssl", e);
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
