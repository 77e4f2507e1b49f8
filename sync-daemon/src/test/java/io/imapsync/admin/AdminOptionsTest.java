package io.imapsync.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminOptionsTest {
  private static final String TOKEN = "0123456789abcdef-token";

  @Test
  void loopbackNeedsNoToken() {
    assertNull(AdminOptions.of("127.0.0.1", 9464, null).token());
    assertNull(AdminOptions.of("::1", 0, null).token());
    assertNull(AdminOptions.of("127.0.0.9", 0, null).token());
  }

  @Test
  void anyOtherAddressNeedsOne() {
    for (String address : new String[] {"0.0.0.0", "::", "192.0.2.10"}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdminOptions.of(address, 9464, null));
      assertTrue(e.getMessage().contains("needs a bearer token"), e.getMessage());
    }
    assertEquals(9464, AdminOptions.of("0.0.0.0", 9464, BearerToken.of(TOKEN)).port());
  }

  @Test
  void portOutOfRangeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> AdminOptions.of("127.0.0.1", 65_536, null));
  }

  @Test
  void tokenAdmitsOnlyItsOwnBearerHeaderAndNeverShowsItself() {
    BearerToken t = BearerToken.of(TOKEN);
    assertTrue(t.admits("Bearer " + TOKEN));
    assertFalse(t.admits(TOKEN));
    assertFalse(t.admits("Bearer " + TOKEN + "x"));
    assertFalse(t.admits("bearer " + TOKEN));
    assertFalse(t.admits(null));
    assertFalse(t.toString().contains(TOKEN));
    assertFalse(AdminOptions.of("0.0.0.0", 1, t).toString().contains(TOKEN), "options print no token either");
  }

  @Test
  void shortOrSpacedTokensAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> BearerToken.of("short"));
    assertThrows(IllegalArgumentException.class, () -> BearerToken.of("0123456789 abcdef-token"));
  }

  @Test
  void theFileWinsOverTheEnvironmentAndItsNewlineIsIgnored(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, TOKEN + "\n");
    BearerToken fromFile = BearerToken.resolve(file, Map.of(BearerToken.ENV, "other-token-0123456789")::get);
    assertTrue(fromFile.admits("Bearer " + TOKEN));
    assertTrue(BearerToken.resolve(null, Map.of(BearerToken.ENV, TOKEN)::get).admits("Bearer " + TOKEN));
    assertNull(BearerToken.resolve(null, Map.<String, String>of()::get));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BearerToken.resolve(dir.resolve("missing"), k -> null));
    assertTrue(e.getMessage().contains("cannot read the metrics token file"));
  }
}
