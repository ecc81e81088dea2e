package io.keystonelight.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.keystonelight.config.KeystoneLightProperties;
import io.keystonelight.config.SettingsValidator;
import io.keystonelight.persistence.FileChannelOpener;
import io.keystonelight.persistence.RepairMode;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.support.DefaultSingletonBeanRegistry;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.validation.Errors;
import org.springframework.validation.MapBindingResult;

/**
 * The data file's replay, started on a thread of its own as soon as the settings are known, so
 * that it runs while Spring builds the rest of the server (seconds of mostly one thread) instead
 * of inside it; the store bean joins it. A 1M-key file is then ready about when an empty one is.
 * The replay is the store's own constructor, unchanged: a damaged or locked file fails the start
 * with the same exception, thrown where the store bean is made.
 * <p>
 * Only for what a replay could gain from and what cannot change the outcome of a start that fails
 * for another reason first: settings that bind and validate, an existing non-empty data file, no
 * repair asked for (a repair rewrites the file, so it waits for every other check), and not cluster
 * mode (whose store is an empty lock file).
 */
public final class ReplayAhead implements DisposableBean {

    static final String BEAN_NAME = "keystonelight.replayAhead";

    private final KeystoneLightProperties.Storage storage;

    private final CompletableFuture<KeyValueStore> opened = new CompletableFuture<>();

    private final AtomicBoolean claimed = new AtomicBoolean();

    private ReplayAhead(KeystoneLightProperties.Storage storage) {
        this.storage = storage;
    }

    /** Starts the replay when the context is made; for the server's entry point, not for tests' contexts. */
    public static ApplicationContextInitializer<ConfigurableApplicationContext> initializer() {
        return new Starter();
    }

    private void start() {
        Thread replay = new Thread(() -> {
            try {
                this.opened.complete(new KeyValueStore(this.storage.dataFile(), this.storage.fsync(),
                        FileChannelOpener.DEFAULT, this.storage.repair()));
            }
            catch (Throwable ex) {
                this.opened.completeExceptionally(ex);
            }
        }, "replay");
        // A start that fails elsewhere exits without waiting for it.
        replay.setDaemon(true);
        replay.start();
    }

    /**
     * The store opened ahead, once its replay is done, if it was opened with {@code wanted}; else
     * {@code null}, the early one closed. What stopped the replay is thrown as it was thrown.
     */
    KeyValueStore claim(KeystoneLightProperties.Storage wanted) throws IOException {
        this.claimed.set(true);
        KeyValueStore store = join();
        if (!wanted.equals(this.storage)) {
            store.close();
            return null;
        }
        return store;
    }

    /** A start that failed before the store bean took the store: its file and lock are let go. */
    @Override
    public void destroy() throws IOException {
        if (!this.claimed.compareAndSet(false, true)) {
            return;
        }
        KeyValueStore store;
        try {
            store = join();
        }
        catch (RuntimeException ex) {
            // The replay failed: there is nothing to close, and the start's own failure is reported.
            return;
        }
        store.close();
    }

    private KeyValueStore join() {
        try {
            return this.opened.get();
        }
        catch (ExecutionException ex) {
            if (ex.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (ex.getCause() instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("the replay of " + this.storage.dataFile() + " failed: "
                    + ex.getCause(), ex.getCause());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the replay of "
                    + this.storage.dataFile(), ex);
        }
    }

    /** Runs after the clash check, which must see the data file's lock free before anyone takes it. */
    private static final class Starter implements ApplicationContextInitializer<ConfigurableApplicationContext>,
            Ordered {

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }

        @Override
        public void initialize(ConfigurableApplicationContext context) {
            KeystoneLightProperties settings = validSettings(context.getEnvironment());
            if (settings == null || settings.cluster().enabled() || settings.storage().repair() != RepairMode.NONE
                    || !hasRecords(settings.storage().dataFile())
                    || !(context.getBeanFactory() instanceof DefaultSingletonBeanRegistry registry)) {
                return;
            }
            ReplayAhead ahead = new ReplayAhead(settings.storage());
            ahead.start();
            context.getBeanFactory().registerSingleton(BEAN_NAME, ahead);
            // Singletons registered by hand are not destroyed unless asked: a failed start must let go of the file.
            registry.registerDisposableBean(BEAN_NAME, ahead);
        }

        /** The settings as the context will bind them, or {@code null} if they would fail its checks. */
        private static KeystoneLightProperties validSettings(ConfigurableEnvironment environment) {
            KeystoneLightProperties settings;
            try {
                settings = Binder.get(environment).bindOrCreate("keystonelight", KeystoneLightProperties.class);
            }
            catch (RuntimeException ex) {
                return null;
            }
            Errors errors = new MapBindingResult(new HashMap<>(), "keystonelight");
            new SettingsValidator().validate(settings, errors);
            return errors.hasErrors() ? null : settings;
        }

        private static boolean hasRecords(Path dataFile) {
            try {
                return Files.isRegularFile(dataFile) && Files.size(dataFile) > 0;
            }
            catch (IOException ex) {
                return false;
            }
        }
    }
}
