package io.keystonelight.protocol.resp;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an inline request into arguments as Redis's {@code sdssplitargs} does: at spaces, with
 * double quotes (escapes {@code \n \r \t \b \a \\ \" \xHH}) and single quotes ({@code \'}).
 */
final class InlineSplitter {

    private InlineSplitter() {
    }

    /** The arguments of {@code line}, or {@code null} if its quotes are unbalanced. */
    static List<byte[]> split(byte[] line) {
        List<byte[]> arguments = new ArrayList<>();
        int i = 0;
        int n = line.length;
        while (true) {
            while (i < n && isSpace(line[i])) {
                i++;
            }
            if (i >= n) {
                return arguments;
            }
            ByteArrayOutputStream current = new ByteArrayOutputStream();
            boolean inDouble = false;
            boolean inSingle = false;
            boolean done = false;
            while (!done) {
                if (inDouble) {
                    if (i >= n) {
                        return null;
                    }
                    byte b = line[i];
                    if (b == '\\' && i + 3 < n && line[i + 1] == 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
                        current.write(Character.digit(line[i + 2], 16) * 16 + Character.digit(line[i + 3], 16));
                        i += 3;
                    }
                    else if (b == '\\' && i + 1 < n) {
                        i++;
                        current.write(switch (line[i]) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> line[i];
                        });
                    }
                    else if (b == '"') {
                        if (i + 1 < n && !isSpace(line[i + 1])) {
                            return null; // a closing quote must be followed by a space
                        }
                        done = true;
                    }
                    else {
                        current.write(b);
                    }
                }
                else if (inSingle) {
                    if (i >= n) {
                        return null;
                    }
                    byte b = line[i];
                    if (b == '\\' && i + 1 < n && line[i + 1] == '\'') {
                        i++;
                        current.write('\'');
                    }
                    else if (b == '\'') {
                        if (i + 1 < n && !isSpace(line[i + 1])) {
                            return null;
                        }
                        done = true;
                    }
                    else {
                        current.write(b);
                    }
                }
                else {
                    if (i >= n) {
                        done = true;
                        break;
                    }
                    byte b = line[i];
                    if (isSpace(b)) {
                        done = true;
                    }
                    else if (b == '"') {
                        inDouble = true;
                    }
                    else if (b == '\'') {
                        inSingle = true;
                    }
                    else {
                        current.write(b);
                    }
                }
                if (i < n) {
                    i++;
                }
            }
            arguments.add(current.toByteArray());
        }
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == 0x0b || b == '\f' || b == 0;
    }

    private static boolean isHex(byte b) {
        return Character.digit(b, 16) >= 0;
    }
}
