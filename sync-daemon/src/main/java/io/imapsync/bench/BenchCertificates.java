package io.imapsync.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway self-signed certificate for the TLS benchmark: the simulator serves it, our
 * sessions trust exactly it (and still verify the host name, here the loopback addresses).
 * Made with the JDK's keytool, so no openssl is needed.
 *
 * @param keystore PKCS12 with key and certificate, for the simulator
 * @param pem the certificate, for the client to trust
 */
record BenchCertificates(Path keystore, String password, Path pem) {

  static BenchCertificates create(int loopbackAddresses) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("imap-sync-bench-tls");
    dir.toFile().deleteOnExit();
    Path keystore = dir.resolve("server.p12");
    Path pem = dir.resolve("server.pem");
    String password = Long.toHexString(System.nanoTime()) + "-bench";
    StringBuilder san = new StringBuilder("SAN=dns:localhost");
    for (int i = 1; i <= loopbackAddresses; i++) {
      san.append(",ip:127.0.0.").append(i);
    }
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", san.toString(), "-validity", "2", "-storetype", "PKCS12",
        "-keystore", keystore.toString(), "-storepass", password));
    run(List.of(keytool, "-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(),
        "-storepass", password, "-file", pem.toString()));
    keystore.toFile().deleteOnExit();
    pem.toFile().deleteOnExit();
    return new BenchCertificates(keystore, password, pem);
  }

  /** The simulator's arguments for it. */
  List<String> simulatorArgs() {
    return List.of("--tls-keystore", keystore.toString(), "--tls-password", password);
  }

  private static void run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + out);
    }
  }
}
