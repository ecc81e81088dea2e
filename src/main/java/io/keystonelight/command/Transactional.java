package io.keystonelight.command;

import io.keystonelight.store.Write;

/**
 * A command that can run inside EXEC: as one step of the transaction's single write, against the
 * changes of the steps before it, and how that step's result becomes the command's reply. A
 * command that is not one runs on its own, since it does not touch the keys.
 */
public interface Transactional {

    /** @param now the time the transaction runs at, Unix milliseconds */
    Write<?> step(long now);

    default Object reply(Object result) {
        return result;
    }
}
