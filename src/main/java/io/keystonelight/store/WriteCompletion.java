package io.keystonelight.store;

/**
 * Told what a write answered once it is durable and applied, or why it was refused: in place of
 * a future, so that a write of an event loop costs no future, no stage and no task of its own.
 * Called on the event loop that submitted the write, in the one task that answers its group's
 * writes of that loop; on another thread only when that loop no longer runs tasks, or for a write
 * submitted off any event loop. It must not throw.
 */
@FunctionalInterface
public interface WriteCompletion {

    /** @param failure why the write was refused, or {@code null} when {@code result} is its answer */
    void completed(Object result, Throwable failure);
}
