package io.imapsync.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisConnectorTest {
  @Test
  void aSingleServerUrlHasNoSeeds() {
    assertNull(RedisConnector.clusterSeeds("redis://127.0.0.1:6379"));
    assertFalse(RedisConnector.isClusterUrl("rediss://cache:6380/2"));
  }

  @Test
  void everySeedOfAClusterUrlCarriesItsCredentialsAndTls() {
    List<RedisURI> seeds = RedisConnector.clusterSeeds("rediss-cluster://app:s3cret@10.0.0.5:7000,10.0.0.6:7001");
    assertEquals(2, seeds.size());
    assertEquals("10.0.0.5", seeds.get(0).getHost());
    assertEquals(7000, seeds.get(0).getPort());
    assertEquals("10.0.0.6", seeds.get(1).getHost());
    assertEquals(7001, seeds.get(1).getPort());
    for (RedisURI seed : seeds) {
      assertTrue(seed.isSsl(), "rediss-cluster means TLS");
      assertTrue(seed.isVerifyPeer(), "certificates verified");
      RedisCredentials credentials = seed.getCredentialsProvider().resolveCredentials().block();
      assertEquals("app", credentials.getUsername());
      assertEquals("s3cret", new String(credentials.getPassword()));
    }
  }

  @Test
  void aPlainClusterUrlWithAPasswordOnly() {
    List<RedisURI> seeds = RedisConnector.clusterSeeds("redis-cluster://:pw@127.0.0.1:7000/");
    assertEquals(1, seeds.size());
    assertFalse(seeds.get(0).isSsl());
    assertEquals("pw", new String(seeds.get(0).getCredentialsProvider().resolveCredentials().block().getPassword()));
  }

  @Test
  void badClusterUrlsAreRefusedWithoutShowingThePassword() {
    IllegalArgumentException db = assertThrows(IllegalArgumentException.class,
        () -> RedisConnector.clusterSeeds("redis-cluster://:topsecret@a:7000/3"));
    assertTrue(db.getMessage().contains("database"), db.getMessage());
    assertFalse(db.getMessage().contains("topsecret"), db.getMessage());
    IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
        () -> RedisConnector.clusterSeeds("redis-cluster://:topsecret@a:7000,,b:7000"));
    assertFalse(empty.getMessage().contains("topsecret"), empty.getMessage());
  }
}
