package io.keystonelight.command;

import java.util.ArrayList;
import java.util.List;

import io.keystonelight.store.Mutations;
import io.keystonelight.store.Write;

/**
 * The reads of the shared and string commands as steps of a transaction, so that they see the
 * transaction's earlier writes; the data types' reads are their own {@code DataCommand}s.
 * Arguments as requested, the name first.
 */
public enum TransactionReads implements Write.Operation {

    TX_GET {
        @Override
        public Object apply(Mutations keys, List<byte[]> args) {
            byte[] value = keys.string(args.get(1));
            return value == null ? CommandExecutor.NONE : value;
        }
    },
    TX_MGET {
        @Override
        public Object apply(Mutations keys, List<byte[]> args) {
            List<Object> values = new ArrayList<>(args.size() - 1);
            for (byte[] key : args.subList(1, args.size())) {
                Object value = keys.value(key);
                values.add(value instanceof byte[] ? value : CommandExecutor.NONE);
            }
            return values;
        }
    },
    TX_STRLEN {
        @Override
        public Object apply(Mutations keys, List<byte[]> args) {
            byte[] value = keys.string(args.get(1));
            return value == null ? 0L : (long) value.length;
        }
    },
    TX_EXISTS {
        @Override
        public Object apply(Mutations keys, List<byte[]> args) {
            long count = 0;
            for (byte[] key : args.subList(1, args.size())) {
                if (keys.value(key) != null) {
                    count++;
                }
            }
            return count;
        }
    },
    TX_DBSIZE {
        @Override
        public Object apply(Mutations keys, List<byte[]> args) {
            return keys.size();
        }
    };

    /** This read as a step at {@code now}, of {@code keys} (the name is not looked at). */
    public Write.Exec step(long now, List<byte[]> keys) {
        List<byte[]> args = new ArrayList<>(keys.size() + 1);
        args.add(new byte[0]);
        args.addAll(keys);
        return new Write.Exec(this, args, now, 0);
    }
}
