package io.keystonelight.command.data;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.keystonelight.store.Keys;
import io.keystonelight.store.WriteRejectedException;

/** Arguments read as Redis reads them, with Redis's wording when they are wrong. */
public final class Args {

    static final String NOT_AN_INTEGER = "value is not an integer or out of range";

    static final String NOT_A_FLOAT = "value is not a valid float";

    private Args() {
    }

    static WriteRejectedException error(String message) {
        return new WriteRejectedException(message);
    }

    static WriteRejectedException syntaxError() {
        return error("syntax error");
    }

    static String lower(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            chars[i] = (char) (b >= 'A' && b <= 'Z' ? b + 32 : b);
        }
        return new String(chars);
    }

    static boolean is(byte[] arg, String lowerName) {
        if (arg.length != lowerName.length()) {
            return false;
        }
        for (int i = 0; i < arg.length; i++) {
            int b = arg[i] & 0xff;
            if ((b >= 'A' && b <= 'Z' ? b + 32 : b) != lowerName.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bytes(long value) {
        return Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    }

    /** A decimal as Redis's {@code string2ll} takes it; {@code null} if it is not one. */
    public static Long parseLong(byte[] arg) {
        int n = arg.length;
        if (n == 0 || n > 20) {
            return null;
        }
        int i = 0;
        if (arg[0] == '-') {
            i = 1;
            if (n == 1) {
                return null;
            }
        }
        if (arg[i] == '0' && n - i > 1) {
            return null;
        }
        for (; i < n; i++) {
            if (arg[i] < '0' || arg[i] > '9') {
                return null;
            }
        }
        try {
            return Long.parseLong(new String(arg, StandardCharsets.ISO_8859_1));
        }
        catch (NumberFormatException ex) {
            return null;
        }
    }

    static long integer(byte[] arg) {
        return integer(arg, NOT_AN_INTEGER);
    }

    static long integer(byte[] arg, String error) {
        Long value = parseLong(arg);
        if (value == null) {
            throw error(error);
        }
        return value;
    }

    /** A whole number from 0 up, as Redis's {@code getPositiveLongFromObjectOrReply}: {@code message} for any fault, if given. */
    static long positive(byte[] arg, String message) {
        Long value = parseLong(arg);
        if (value == null) {
            throw error(message != null ? message : NOT_AN_INTEGER);
        }
        if (value < 0) {
            throw error(message != null ? message : "value is out of range, must be positive");
        }
        return value;
    }

    /** A whole number in {@code [min, max]}, as Redis's {@code getRangeLongFromObjectOrReply}. */
    static long inRange(byte[] arg, long min, long max, String message) {
        Long value = parseLong(arg);
        if (value == null) {
            throw error(message != null ? message : NOT_AN_INTEGER);
        }
        if (value < min || value > max) {
            throw error(message != null ? message : "value is out of range, value must between " + min + " and " + max);
        }
        return value;
    }

    /** A float as Redis's {@code string2ld}/{@code strtod} take it: no spaces, no NaN. */
    static double parseDouble(byte[] arg, String error) {
        String text = new String(arg, StandardCharsets.ISO_8859_1);
        if (text.isEmpty() || Character.isWhitespace(text.charAt(0))
                || Character.isWhitespace(text.charAt(text.length() - 1))) {
            throw error(error);
        }
        String lower = text.toLowerCase();
        switch (lower) {
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (lower.contains("nan") || lower.endsWith("d") || lower.endsWith("f") || lower.contains("x")) {
            throw error(error);
        }
        try {
            return Double.parseDouble(text);
        }
        catch (NumberFormatException ex) {
            throw error(error);
        }
    }

    /** A number as Redis's {@code string2ld} reads it, exactly. */
    static BigDecimal parseDecimal(byte[] arg, String error, String infinite) {
        String text = new String(arg, StandardCharsets.ISO_8859_1);
        if (text.isEmpty() || Character.isWhitespace(text.charAt(0))
                || Character.isWhitespace(text.charAt(text.length() - 1))) {
            throw error(error);
        }
        try {
            return new BigDecimal(text);
        }
        catch (NumberFormatException ex) {
            String lower = text.toLowerCase();
            if (lower.matches("[+-]?inf(inity)?")) {
                throw error(infinite);
            }
            throw error(error);
        }
    }

    /**
     * The sum of two numbers as Redis's {@code INCRBYFLOAT} computes it: each read into an x87
     * long double (64-bit mantissa), added and rounded again to one.
     */
    static BigDecimal longDoubleSum(BigDecimal a, BigDecimal b) {
        return toLongDouble(toLongDouble(a).add(toLongDouble(b)));
    }

    /** The long double nearest to {@code x}, exactly. */
    static BigDecimal toLongDouble(BigDecimal x) {
        if (x.signum() == 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal abs = x.abs();
        int exponent = (int) Math.floor(Math.log(abs.doubleValue()) / Math.log(2)) - 63;
        BigInteger mantissa = scaled(abs, exponent);
        while (mantissa.bitLength() > 64) {
            exponent++;
            mantissa = scaled(abs, exponent);
        }
        while (mantissa.bitLength() < 64) {
            exponent--;
            mantissa = scaled(abs, exponent);
        }
        BigDecimal result = exponent >= 0 ? new BigDecimal(mantissa.shiftLeft(exponent))
                : new BigDecimal(mantissa).divide(new BigDecimal(BigInteger.ONE.shiftLeft(-exponent)));
        return x.signum() < 0 ? result.negate() : result;
    }

    private static BigInteger scaled(BigDecimal abs, int exponent) {
        BigDecimal scaled = exponent >= 0 ? abs.divide(new BigDecimal(BigInteger.ONE.shiftLeft(exponent)))
                : abs.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(-exponent)));
        return scaled.setScale(0, RoundingMode.HALF_EVEN).toBigIntegerExact();
    }

    /** A long double as Redis writes it ({@code %.17Lf}, then trailing zeros and point dropped). */
    static byte[] humanDecimal(BigDecimal value) {
        BigDecimal rounded = value.setScale(17, RoundingMode.HALF_EVEN).stripTrailingZeros();
        if (rounded.signum() == 0) {
            return new byte[] { '0' };
        }
        return rounded.toPlainString().getBytes(StandardCharsets.US_ASCII);
    }

    /** A double as Redis 7.0 replies it: C's {@code %.17g}. */
    static byte[] score(double value) {
        if (Double.isInfinite(value)) {
            return bytes(value > 0 ? "inf" : "-inf");
        }
        if (value == 0) {
            return bytes(1 / value < 0 ? "-0" : "0");
        }
        // Java's own %.17g pads the shortest decimal form with zeros (0.1 gives 0.10000000000000000);
        // C rounds the exact binary value to 17 digits (0.10000000000000001), so round it here.
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(17, RoundingMode.HALF_EVEN));
        int exponent = rounded.precision() - rounded.scale() - 1;
        if (exponent >= -4 && exponent < 17) {
            return bytes(rounded.stripTrailingZeros().toPlainString());
        }
        String digits = rounded.unscaledValue().abs().toString().replaceAll("0+$", "");
        StringBuilder out = new StringBuilder();
        if (value < 0) {
            out.append('-');
        }
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        out.append(exponent < 0 ? "e-" : "e+");
        int magnitude = Math.abs(exponent);
        if (magnitude < 10) {
            out.append('0');
        }
        out.append(magnitude);
        return bytes(out.toString());
    }

    static void key(byte[] key) {
        if (key.length > Keys.MAX_KEY_BYTES) {
            throw error("invalid key: a key is 1 to " + Keys.MAX_KEY_BYTES + " bytes, this one is " + key.length);
        }
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
