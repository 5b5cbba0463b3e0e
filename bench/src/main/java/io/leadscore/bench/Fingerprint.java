package io.leadscore.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A hash of the files a cached artefact was built from (sources, model, settings), so a cache
 * made by other code is rebuilt instead of silently measured: the prepared warehouses hold
 * whatever tables the jobs of that time wrote. Uncommitted edits count; git is not needed.
 */
final class Fingerprint {
  private final MessageDigest digest;

  Fingerprint() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  Fingerprint add(String text) {
    digest.update(text.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    return this;
  }

  /** Adds a file, or every regular file under a folder in a stable order, paths included. */
  Fingerprint add(Path base, String relative) {
    Path root = base.resolve(relative);
    if (!Files.exists(root)) {
      return add("missing:" + relative);
    }
    List<Path> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(Files::isRegularFile).sorted().forEach(files::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path f : files) {
      add(base.relativize(f).toString());
      try {
        digest.update(Files.readAllBytes(f));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return this;
  }

  String hex() {
    return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
  }
}
