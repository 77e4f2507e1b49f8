package io.imapsync.accounts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts account secrets at rest with AES-256-GCM. Each value is sealed under the primary key,
 * with a random 96-bit nonce and the account id as associated data (a ciphertext copied to another
 * account does not decrypt). Stored form: {@code v1:<keyId>:<base64(nonce || ciphertext+tag)>}.
 *
 * <p>Keys come from {@code IMAP_SYNC_SECRET_KEYS} ({@code id:base64,id2:base64}, the first one is
 * primary; older ones still decrypt, for rotation), or from the file named by
 * {@code IMAP_SYNC_SECRET_KEY_FILE} (same format, or a single base64 key with id "k1").
 */
public final class SecretBox {
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final String primaryId;
  private final Map<String, SecretKeySpec> keys;

  public SecretBox(Map<String, byte[]> keysInPriorityOrder) {
    if (keysInPriorityOrder.isEmpty()) {
      throw new IllegalArgumentException("no secret key configured");
    }
    this.keys = new LinkedHashMap<>();
    String first = null;
    for (var e : keysInPriorityOrder.entrySet()) {
      if (!e.getKey().matches("[A-Za-z0-9_-]{1,32}")) {
        throw new IllegalArgumentException("secret key id must be 1-32 of A-Z a-z 0-9 _ -: '" + e.getKey() + "'");
      }
      if (e.getValue().length != 32) {
        throw new IllegalArgumentException("secret key '" + e.getKey() + "' must be 32 bytes (AES-256), was "
            + e.getValue().length);
      }
      keys.put(e.getKey(), new SecretKeySpec(e.getValue(), "AES"));
      if (first == null) {
        first = e.getKey();
      }
    }
    this.primaryId = first;
  }

  /** From the environment (see class comment); fails with what to set when nothing is configured. */
  public static SecretBox fromEnvironment(Function<String, String> env) {
    String inline = env.apply("IMAP_SYNC_SECRET_KEYS");
    String file = env.apply("IMAP_SYNC_SECRET_KEY_FILE");
    String spec;
    if (inline != null && !inline.isBlank()) {
      spec = inline;
    } else if (file != null && !file.isBlank()) {
      try {
        spec = Files.readString(Path.of(file)).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read IMAP_SYNC_SECRET_KEY_FILE " + file + ": " + e.getMessage());
      }
    } else {
      throw new IllegalArgumentException("no key to encrypt account secrets: set IMAP_SYNC_SECRET_KEYS=k1:<base64 of 32"
          + " random bytes> or IMAP_SYNC_SECRET_KEY_FILE (generate one with: head -c 32 /dev/urandom | base64)");
    }
    return new SecretBox(parseKeys(spec));
  }

  static Map<String, byte[]> parseKeys(String spec) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int colon = p.indexOf(':');
      String id = colon < 0 ? "k1" : p.substring(0, colon);
      String b64 = colon < 0 ? p : p.substring(colon + 1);
      try {
        out.put(id, Base64.getDecoder().decode(b64.strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("secret key '" + id + "' is not valid base64");
      }
    }
    return out;
  }

  public String primaryKeyId() {
    return primaryId;
  }

  public String seal(String accountId, String secret) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, keys.get(primaryId), new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(accountId.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + ct.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(ct, 0, out, nonce.length, ct.length);
      return "v1:" + primaryId + ":" + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable", e);
    }
  }

  public String open(String accountId, String sealed) {
    String[] parts = sealed.split(":", 3);
    if (parts.length != 3 || !parts[0].equals("v1")) {
      throw new IllegalArgumentException("account " + accountId + ": stored secret is not in v1 format");
    }
    SecretKeySpec key = keys.get(parts[1]);
    if (key == null) {
      throw new IllegalArgumentException("account " + accountId + ": secret was sealed with key '" + parts[1]
          + "', which is not configured (IMAP_SYNC_SECRET_KEYS)");
    }
    byte[] all = Base64.getDecoder().decode(parts[2]);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      c.updateAAD(accountId.getBytes(StandardCharsets.UTF_8));
      return new String(c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("account " + accountId + ": stored secret does not decrypt (wrong key or"
          + " tampered)");
    }
  }

  /** True if the value was sealed under a key other than the primary (rotation pending). */
  public boolean needsRotation(String sealed) {
    String[] parts = sealed.split(":", 3);
    return parts.length == 3 && !parts[1].equals(primaryId);
  }
}
