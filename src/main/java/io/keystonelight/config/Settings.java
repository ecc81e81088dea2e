package io.keystonelight.config;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Every {@code keystonelight.*} setting there is, read from the {@code @ConfigurationProperties}
 * classes of the application itself, so that the list cannot fall behind them: the names that an
 * unknown setting is checked against, and what {@code serve --help} prints.
 */
public final class Settings {

    /** The prefix of the application's own settings. */
    public static final String PREFIX = "keystonelight";

    /**
     * The application's {@code @ConfigurationProperties} classes, the ones it binds. Named rather
     * than found by a scan of the class path, which read every class file of the server at each
     * start (this list is read before every start, for the check of unknown settings);
     * {@code SettingsTest} fails when a scan finds one that is not named here.
     */
    static final List<Class<?>> PROPERTIES_CLASSES = List.of(KeystoneLightProperties.class);

    /** Settings whose type is of this package or below are groups of settings, not values. */
    private static final String BASE_PACKAGE = "io.keystonelight";

    /**
     * @param name the canonical name, as in {@code keystonelight.server.max-line-length}
     * @param defaultValue the built-in default, or {@code null} when there is none
     * @param isMap whether any name below it is a setting too (a map of values)
     */
    public record Setting(String name, String defaultValue, boolean isMap) {
    }

    private Settings() {
    }

    /** Every setting under {@code keystonelight}, sorted by name. */
    public static List<Setting> all() {
        List<Setting> settings = new ArrayList<>();
        for (Class<?> type : PROPERTIES_CLASSES) {
            ConfigurationProperties annotation = type.getAnnotation(ConfigurationProperties.class);
            String prefix = annotation.prefix().isEmpty() ? annotation.value() : annotation.prefix();
            collect(prefix, type, settings, 0);
        }
        settings.sort(Comparator.comparing(Setting::name));
        return settings;
    }

    private static void collect(String prefix, Class<?> type, List<Setting> into, int depth) {
        if (type.isRecord()) {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            Parameter[] parameters;
            try {
                Constructor<?> canonical = type.getDeclaredConstructor(types);
                parameters = canonical.getParameters();
            }
            catch (NoSuchMethodException ex) {
                throw new IllegalStateException("a record without its canonical constructor: " + type, ex);
            }
            for (int i = 0; i < components.length; i++) {
                DefaultValue defaultValue = parameters[i].getAnnotation(DefaultValue.class);
                add(prefix + "." + kebab(components[i].getName()), components[i].getType(), defaultValue, into,
                        depth);
            }
        }
        else {
            for (Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    add(prefix + "." + kebab(field.getName()), field.getType(), field.getAnnotation(DefaultValue.class),
                            into, depth);
                }
            }
        }
    }

    private static void add(String name, Class<?> type, DefaultValue defaultValue, List<Setting> into, int depth) {
        boolean nested = type.getName().startsWith(BASE_PACKAGE + ".") && !type.isEnum() && depth < 8;
        if (nested) {
            collect(name, type, into, depth + 1);
            return;
        }
        String value = defaultValue == null || defaultValue.value().length == 0 ? null
                : String.join(",", defaultValue.value());
        into.add(new Setting(name, value, Map.class.isAssignableFrom(type)));
    }

    /** {@code maxLineLength} as a setting's name: {@code max-line-length}. */
    static String kebab(String camel) {
        StringBuilder name = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                name.append('-').append(Character.toLowerCase(c));
            }
            else {
                name.append(c);
            }
        }
        return name.toString();
    }

    /** The known name nearest to {@code name} by edit distance; {@code null} only when none is known. */
    public static String nearest(String name, Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = name.toLowerCase(Locale.ROOT);
        for (String candidate : known) {
            int distance = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
