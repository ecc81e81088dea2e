package io.keystonelight.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import io.keystonelight.config.Settings;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * Stops the start when a {@code keystonelight.*} setting is not one the server has, naming the
 * nearest real one: a misspelt {@code --keystonelight.server.prot=7897} would otherwise be ignored
 * and the server would start on its default port without a word.
 *
 * <p>Checked: the command line, configuration files ({@code application.yml} and the like) and
 * environment variables starting {@code KEYSTONELIGHT_}. Not checked: Java system properties,
 * which build tools and test runners also use for their own {@code keystonelight.*} names.
 */
public class UnknownSettingCheck implements EnvironmentPostProcessor, Ordered {

    private static final String ENVIRONMENT_PREFIX = Settings.PREFIX.toUpperCase(Locale.ROOT) + "_";

    @Override
    public int getOrder() {
        // After the configuration files were read.
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        List<Settings.Setting> settings = null;
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable)
                    || source.getName().equals(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME)) {
                continue;
            }
            boolean isEnvironment = source.getName()
                    .equals(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
            boolean checked = isEnvironment || source instanceof CommandLinePropertySource
                    || source.getName().startsWith("Config resource");
            if (!checked) {
                continue;
            }
            for (String name : enumerable.getPropertyNames()) {
                boolean ours = isEnvironment ? name.startsWith(ENVIRONMENT_PREFIX)
                        : name.toLowerCase(Locale.ROOT).startsWith(Settings.PREFIX + ".");
                if (!ours) {
                    continue;
                }
                if (settings == null) {
                    settings = Settings.all();
                }
                if (!isKnown(name, isEnvironment, settings)) {
                    throw unknown(name, source, isEnvironment, settings);
                }
            }
        }
    }

    /**
     * Whether {@code name} binds to a setting, compared as Spring's relaxed binding does: case,
     * dashes and underscores aside ({@code maxConnections}, {@code max-connections} and
     * {@code max_connections} are one name); environment variables also without their dots.
     */
    private static boolean isKnown(String name, boolean isEnvironment, List<Settings.Setting> settings) {
        String given = normalize(name, isEnvironment);
        for (Settings.Setting setting : settings) {
            String known = normalize(setting.name(), isEnvironment);
            if (given.equals(known) || (setting.isMap() && given.startsWith(known + (isEnvironment ? "" : ".")))) {
                return true;
            }
        }
        return false;
    }

    private static String normalize(String name, boolean isEnvironment) {
        String lower = name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return isEnvironment ? lower.replace(".", "") : lower;
    }

    /** A setting's name as an environment variable, in Spring's documented form. */
    private static String environmentForm(String canonical) {
        return canonical.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "");
    }

    private static UnknownSettingException unknown(String name, PropertySource<?> source, boolean isEnvironment,
            List<Settings.Setting> settings) {
        Set<String> candidates = new TreeSet<>();
        for (Settings.Setting setting : settings) {
            candidates.add(isEnvironment ? environmentForm(setting.name()) : setting.name());
        }
        String where = isEnvironment ? name + " in the environment"
                : (source instanceof CommandLinePropertySource ? "--" + name + " on the command line"
                        : name + " in " + describe(source));
        return new UnknownSettingException(name, where, Settings.nearest(name, candidates),
                new ArrayList<>(candidates));
    }

    private static String describe(PropertySource<?> source) {
        // "Config resource 'file [application.yml]' via location 'optional:file:./'"
        String name = source.getName();
        int open = name.indexOf('[');
        int close = name.indexOf(']', open + 1);
        return open >= 0 && close > open ? name.substring(open + 1, close) : name;
    }
}
