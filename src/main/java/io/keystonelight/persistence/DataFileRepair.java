package io.keystonelight.persistence;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts a damaged data file at its first damaged line, as {@code redis-check-aof --fix} does,
 * after keeping a copy of the whole file beside it. Only on request:
 * {@code --keystonelight.storage.repair=truncate}.
 */
final class DataFileRepair {

    private static final Logger log = LoggerFactory.getLogger(DataFileRepair.class);

    private static final DateTimeFormatter BACKUP_SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** What the repair did: the records that remain, and what was dropped. */
    record Outcome(long validLength, long keptRecords, long droppedLines, Path backup) {
    }

    private DataFileRepair() {
    }

    /**
     * Keeps a copy of the file, then cuts it at the start of the damaged line. The records before
     * that line have already been replayed.
     */
    static Outcome truncateAt(DataFileCorruptException damage, FileChannel file, Path path) throws IOException {
        long cutAt = damage.byteOffset();
        long dropped = countLinesFrom(file, cutAt);
        Path backup = path.resolveSibling(path.getFileName() + ".damaged-" + LocalDateTime.now().format(BACKUP_SUFFIX));
        // Owner-only whatever the data file allows: a copy nobody asked to share, of every value.
        OwnerOnlyFiles.createIfMissing(backup);
        try (OutputStream out = Files.newOutputStream(backup, StandardOpenOption.WRITE)) {
            Files.copy(path, out);
        }
        try (FileChannel copy = FileChannel.open(backup, StandardOpenOption.WRITE)) {
            copy.force(true);
        }
        // The copy must be on disk before the only other copy of the dropped records is cut.
        AppendOnlyFile.syncFolder(backup);
        file.truncate(cutAt);
        file.force(true);
        long kept = damage.lineNumber() - 1;
        log.warn("Repaired data file {} as asked (keystonelight.storage.repair=truncate): it was damaged at line {} "
                + "(byte offset {}): {}. Cut it there: {} records kept, {} lines dropped (line {} to the end, the "
                + "damaged one included). The original file is kept as {}.", path, damage.lineNumber(), cutAt,
                damage.problem(), kept, dropped, damage.lineNumber(), backup);
        return new Outcome(cutAt, kept, dropped, backup);
    }

    /** Lines from {@code offset} to the end, an unfinished last line included. */
    private static long countLinesFrom(FileChannel file, long offset) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        long position = offset;
        long lines = 0;
        byte last = '\n';
        int read;
        while ((read = file.read(buffer.clear(), position)) > 0) {
            for (int i = 0; i < read; i++) {
                if (buffer.get(i) == '\n') {
                    lines++;
                }
            }
            last = buffer.get(read - 1);
            position += read;
        }
        return last == '\n' ? lines : lines + 1;
    }
}
