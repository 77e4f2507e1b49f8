package io.imapsync.normalize;

/**
 * UTF-7 (RFC 2152), which Java does not ship and old mail still carries ({@code charset=utf-7},
 * {@code unicode-1-1-utf-7}). Lenient: a malformed shift sequence ends where it breaks; the
 * characters decoded so far are kept.
 */
final class Utf7 {
  private static final int[] B64 = new int[128];

  static {
    java.util.Arrays.fill(B64, -1);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < alphabet.length(); i++) {
      B64[alphabet.charAt(i)] = i;
    }
  }

  private Utf7() {}

  static String decode(byte[] bytes, int off, int len) {
    StringBuilder out = new StringBuilder(len);
    int end = off + len;
    int i = off;
    while (i < end) {
      int b = bytes[i] & 0xff;
      if (b != '+') {
        out.append(b < 0x80 ? (char) b : '\uFFFD');
        i++;
        continue;
      }
      i++;
      if (i < end && bytes[i] == '-') {
        out.append('+');
        i++;
        continue;
      }
      int bits = 0;
      int nbits = 0;
      while (i < end) {
        int c = bytes[i] & 0xff;
        int v = c < 128 ? B64[c] : -1;
        if (v < 0) {
          if (c == '-') {
            i++; // the '-' that ends a shift sequence is absorbed
          }
          break;
        }
        bits = (bits << 6) | v;
        nbits += 6;
        if (nbits >= 16) {
          nbits -= 16;
          out.append((char) ((bits >>> nbits) & 0xffff));
        }
        i++;
      }
    }
    return Text.wellFormed(out);
  }
}
