package io.imapsync.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class Sha256Test {
  private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // FIPS 180-2

  @Test
  void hexIsTheWholeDigestAndAPrefixItsStart() {
    assertEquals(ABC, Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(ABC.substring(0, 24), Sha256.hexPrefix("abc", 24));
    assertEquals(ABC, Sha256.hexPrefix("abc", 64));
    assertEquals("", Sha256.hexPrefix("abc", 0));
  }

  @Test
  void aDigestReusedOnOneThreadStartsFreshEachTime() {
    Sha256.hex("something else first".getBytes(StandardCharsets.UTF_8));
    assertEquals(ABC, Sha256.hex("abc".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void threadsHashAtTheSameTimeWithoutMixingInput() throws Exception {
    try (var pool = Executors.newFixedThreadPool(4)) {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            if (!Sha256.hexPrefix("abc", 64).equals(ABC)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> r : results) {
        assertEquals(true, r.get());
      }
    }
  }

  @Test
  void anOddOrTooLongPrefixIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Sha256.hexPrefix("abc", 23));
    assertThrows(IllegalArgumentException.class, () -> Sha256.hexPrefix("abc", 66));
  }
}
