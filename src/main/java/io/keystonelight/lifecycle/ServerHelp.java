package io.keystonelight.lifecycle;

import io.keystonelight.config.Settings;

/**
 * What {@code serve --help} prints: how to give settings, and every setting with its default,
 * read from the settings classes themselves.
 */
public final class ServerHelp {

    private ServerHelp() {
    }

    public static String text() {
        StringBuilder text = new StringBuilder();
        text.append("Usage: java -jar keystonelight.jar [serve] [--name=value ...]\n\n");
        text.append("Runs the server. Settings go after 'serve' as --name=value, in application.yml in the\n");
        text.append("working folder, or in the environment (KEYSTONELIGHT_SERVER_PORT=7879). An unknown\n");
        text.append("keystonelight.* setting stops the start. The README's Configuration section says what each does.\n\n");
        text.append("Settings and their defaults:\n");
        for (Settings.Setting setting : Settings.all()) {
            text.append(String.format("  %-50s %s%n", setting.name(),
                    setting.defaultValue() == null ? "(none)" : setting.defaultValue()));
        }
        text.append(String.format("  %-50s %s%n", "server.port",
                "8080 for TCP port 7878, and follows it (7879: 8081); Actuator's HTTP port"));
        text.append(String.format("  %-50s %s%n", "server.address", "127.0.0.1; Actuator's HTTP address"));
        text.append("\nThe client: java -jar keystonelight.jar --help\n");
        return text.toString();
    }
}
