package io.keystonelight.lifecycle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.keystonelight.config.KeystoneLightProperties;

import org.springframework.stereotype.Component;

/**
 * The file that holds the serving JVM's process id, for {@code kill -USR1} and the client's
 * {@code compact}. It is written once the TCP endpoint accepts connections and removed as the
 * last step of a clean shutdown, after the data file is closed, so scripts may wait for it to go
 * before starting again. A file left by a crashed run is simply replaced.
 */
@Component
public class PidFile {

    private static final Logger log = LoggerFactory.getLogger(PidFile.class);

    private final Path path;

    private volatile boolean written;

    public PidFile(KeystoneLightProperties properties) {
        this.path = properties.pidFile().toAbsolutePath();
    }

    public void write() throws IOException {
        long pid = ProcessHandle.current().pid();
        Path folder = this.path.getParent();
        Files.createDirectories(folder);
        Path temp = Files.createTempFile(folder, ".keystonelight-pid", ".tmp");
        try {
            trySetOwnerOnly(temp);
            Files.writeString(temp, pid + "\n", StandardCharsets.US_ASCII);
            // Appears whole or not at all, so a reader never sees a half-written number.
            Files.move(temp, this.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        finally {
            Files.deleteIfExists(temp);
        }
        this.written = true;
        log.info("Wrote process id {} to {}", pid, this.path);
    }

    /** Removes the file if this process wrote it and it still holds this process's id. */
    public void remove() {
        if (!this.written) {
            return;
        }
        this.written = false;
        try {
            String content = Files.readString(this.path, StandardCharsets.US_ASCII).trim();
            if (content.equals(Long.toString(ProcessHandle.current().pid()))) {
                Files.delete(this.path);
                log.info("Removed {}", this.path);
            }
        }
        catch (IOException ex) {
            log.warn("Could not remove the PID file {}: {}", this.path, ex.getMessage());
        }
    }

    public Path path() {
        return this.path;
    }

    private static void trySetOwnerOnly(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        catch (UnsupportedOperationException | IOException ex) {
            // Not a POSIX file system: keep its default permissions.
        }
    }
}
