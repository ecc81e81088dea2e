package io.keystonelight.persistence;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates the files that hold the store's data so that only their owner may read them: every
 * value of every key is in them. On file systems without POSIX permissions the default is kept.
 */
final class OwnerOnlyFiles {

    private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");

    private OwnerOnlyFiles() {
    }

    /** Creates {@code file} readable and writable by its owner only, unless it already exists. */
    static void createIfMissing(Path file) throws IOException {
        try {
            createWith(file, OWNER_READ_WRITE);
        }
        catch (FileAlreadyExistsException ex) {
            // Someone else's choice of permissions is kept.
        }
    }

    /**
     * Creates {@code file} anew with the permissions of {@code model} (owner-only if it has
     * none), so that a file replacing {@code model} keeps what the operator chose for it.
     */
    static void createLike(Path file, Path model) throws IOException {
        Set<PosixFilePermission> permissions = OWNER_READ_WRITE;
        try {
            permissions = Files.getPosixFilePermissions(model);
        }
        catch (UnsupportedOperationException | IOException ex) {
            // No permissions to copy: owner-only.
        }
        Files.deleteIfExists(file);
        createWith(file, permissions);
    }

    /** The file's permissions, as {@code ls -l} shows them, if others than its owner have any; else null. */
    static String permissionsOpenToOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            for (PosixFilePermission permission : permissions) {
                if (!permission.name().startsWith("OWNER_")) {
                    return PosixFilePermissions.toString(permissions);
                }
            }
            return null;
        }
        catch (UnsupportedOperationException | IOException ex) {
            return null;
        }
    }

    private static void createWith(Path file, Set<PosixFilePermission> permissions) throws IOException {
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(permissions));
            // The process's umask may have taken permissions away from a copied set.
            Files.setPosixFilePermissions(file, permissions);
        }
        catch (UnsupportedOperationException ex) {
            Files.createFile(file);
        }
    }
}
